// The labelled scatter plot (trainer/report/scatter-png.ts) read back through the independent PNG
// reader: point centres in their label's colour, white background, axes box, legend swatches and
// names, title ink, identical bytes for identical input, and clear refusals of bad arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarshotError } from '../../../src/errors';
import { encodePng } from '../../../src/io/png';
import type { RgbImage } from '../../../src/image/raster';
import { AXES, INK, PALETTE, scatterLayout, scatterPng } from '../../../trainer/report/scatter-png';
import { readPng } from '../../helpers/png-reader';

function pixel(img: RgbImage, x: number, y: number): number[] {
  const o = 3 * (y * img.width + x);
  return [img.rgb[o], img.rgb[o + 1], img.rgb[o + 2]];
}

/** How many pixels inside rect have colour c. */
function count(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: readonly number[]): number {
  let k = 0;
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if (pixel(img, x, y).every((v, i) => v === c[i])) k++;
  return k;
}

const WHITE = [255, 255, 255];
const NAMES = ['house', 'jazz', 'drum-and-bass', 'a very long style name that will not fit in the legend'];
// A square of points (the map spans [−2, 2] on both axes) plus the origin, labels 0..3 and 0.
const POINTS = Float64Array.from([-2, -2, 2, -2, 2, 2, -2, 2, 0, 0]);
const LABELS = Int32Array.from([0, 1, 2, 3, 0]);

test('palette: at least 16 distinct colours, none of them the background or the ink', () => {
  assert.ok(PALETTE.length >= 16);
  const keys = new Set(PALETTE.map((c) => c.join(',')));
  assert.equal(keys.size, PALETTE.length);
  for (const c of [WHITE, INK, AXES]) assert.ok(!keys.has(c.join(',')));
});

test('points, background, axes box, legend and title, read back from the PNG file', () => {
  const width = 640, height = 480, r = 3;
  const img = scatterPng(POINTS, LABELS, NAMES, { width, height, title: 'Figure 1', pointRadius: r });
  const png = readPng(encodePng(img.width, img.height, img.rgb));
  assert.deepEqual([png.width, png.height, img.width, img.height], [width, height, width, height]);
  assert.deepEqual(png.rgb, img.rgb);
  const dec: RgbImage = png;

  const { plot, legend, names } = scatterLayout(width, height, NAMES, 'Figure 1');
  assert.ok(plot.x1 < legend.x0 && legend.x1 < width && plot.y1 < height);
  assert.equal(names[3], 'a very long style name th...');
  // The map's square fills the box's shorter side less the inset (r + 4), centred; y points up.
  const cx = (plot.x0 + plot.x1) / 2, cy = (plot.y0 + plot.y1) / 2;
  const scale = Math.min(plot.x1 - plot.x0 - 2 * (r + 4), plot.y1 - plot.y0 - 2 * (r + 4)) / 4;
  for (let i = 0; i < LABELS.length; i++) {
    const px = Math.round(cx + POINTS[2 * i] * scale), py = Math.round(cy - POINTS[2 * i + 1] * scale);
    assert.deepEqual(pixel(dec, px, py), [...PALETTE[LABELS[i]]], `point ${i} centre at (${px}, ${py})`);
    assert.deepEqual(pixel(dec, px + r, py), [...PALETTE[LABELS[i]]], `point ${i} disc reaches radius ${r}`);
    assert.deepEqual(pixel(dec, px + r + 2, py), WHITE, `point ${i} disc ends at radius ${r}`);
  }
  // The outermost discs stay clear of the box border (checked for the lower-left one).
  assert.ok(Math.round(cx - 2 * scale) - r > plot.x0 && Math.round(cy + 2 * scale) + r < plot.y1);

  // Background: image corners, the middle of a box edge's inside, the gap between plot and legend.
  for (const [x, y] of [[0, 0], [width - 1, height - 1], [plot.x0 + 2, Math.round(cy) + 40], [plot.x1 + 3, legend.y0 + 3]]) {
    assert.deepEqual(pixel(dec, x, y), WHITE, `(${x}, ${y})`);
  }
  // The 1-px axes box.
  for (const [x, y] of [[plot.x0, Math.round(cy)], [plot.x1, Math.round(cy)], [Math.round(cx), plot.y0], [Math.round(cx), plot.y1]]) {
    assert.deepEqual(pixel(dec, x, y), [...AXES], `box at (${x}, ${y})`);
  }
  assert.deepEqual(pixel(dec, plot.x0 + 1, Math.round(cy)), WHITE);
  // Legend: right of the plot, each label's colour as a 10 × 10 swatch, its name inked beside it.
  for (let k = 0; k < NAMES.length; k++) {
    const y0 = legend.y0 + 16 * k;
    assert.equal(count(dec, plot.x1 + 1, 0, width - 1, height - 1, PALETTE[k]), 100, `swatch ${k}`);
    assert.equal(count(dec, legend.x0, y0, legend.x0 + 9, y0 + 9, PALETTE[k]), 100, `swatch ${k} place`);
    assert.ok(count(dec, legend.x0 + 16, y0, legend.x1, y0 + 15, INK) > 10, `name ${k}`);
  }
  // No legend row for a colour past the names.
  assert.equal(count(dec, 0, 0, width - 1, height - 1, PALETTE[4]), 0);
  // Title ink above the plot, roughly centred.
  assert.ok(count(dec, 0, 0, width - 1, plot.y0 - 1, INK) > 50);
  assert.equal(count(dec, 0, 0, width / 2 - 100, plot.y0 - 1, INK), 0);
});

test('same input → the same PNG bytes; the defaults are 900 × 700 with no title', () => {
  const a = encodePng(900, 700, scatterPng(POINTS, LABELS, NAMES).rgb);
  const b = encodePng(900, 700, scatterPng(POINTS, LABELS, NAMES).rgb);
  assert.ok(a.equals(b));
  const img = scatterPng(new Float64Array(0), new Int32Array(0), ['empty'], {});
  assert.deepEqual([img.width, img.height], [900, 700]);
  const { plot } = scatterLayout(900, 700, ['empty']);
  assert.equal(plot.y0, 12);
  // Identical points: every one at the centre, no division by a zero span.
  const same = scatterPng(Float64Array.from([1, 1, 1, 1]), Int32Array.from([1, 1]), ['a', 'b'], { pointRadius: 0 });
  const p = scatterLayout(900, 700, ['a', 'b']).plot;
  assert.deepEqual(pixel(same, Math.round((p.x0 + p.x1) / 2), Math.round((p.y0 + p.y1) / 2)), [...PALETTE[1]]);
});

test('bad arguments are refused with ERR_INVALID_ARGUMENT', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => scatterPng(POINTS, Int32Array.from([0, 1, 2, 4, 0]), NAMES), /labels\[3\] is 4/],
    [() => scatterPng(POINTS, Int32Array.from([0, -1, 2, 3, 0]), NAMES), /labels\[1\] is -1/],
    [() => scatterPng(POINTS.subarray(0, 8), LABELS, NAMES), /points holds 8 values; 5 labels need 10/],
    [() => scatterPng(Float64Array.from(POINTS, (v, i) => (i === 3 ? NaN : v)), LABELS, NAMES), /point 1 is \(2, NaN\)/],
    [() => scatterPng(POINTS, LABELS, Array.from({ length: 21 }, (_, i) => `s${i}`)), /labelNames must be 1\.\.20 strings/],
    [() => scatterPng(POINTS, LABELS, NAMES, { width: 100 }), /no room for the plot/],
    [() => scatterPng(POINTS, LABELS, NAMES, { width: 900.5 }), /width must be an integer/],
    [() => scatterPng(POINTS, LABELS, NAMES, { pointRadius: -1 }), /pointRadius must be an integer in 0\.\.32/],
    [() => scatterPng(POINTS, Array.from(LABELS) as unknown as Int32Array, NAMES), /labels must be an Int32Array/],
  ];
  for (const [f, message] of cases) {
    assert.throws(f, (e: unknown) => e instanceof EarshotError && e.code === 'ERR_INVALID_ARGUMENT' && message.test(e.message), String(message));
  }
});
