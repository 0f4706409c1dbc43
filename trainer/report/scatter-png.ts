/**
 * A labelled 2-D scatter plot as RGB pixels, for t-SNE maps of song factors coloured by style (the
 * paper's Figure 1). No plotting library: filled discs, a 1-px axes box, a legend of colour swatches
 * and names and an optional title in the built-in bitmap font, so the same points give the same bytes
 * on every machine. Write the result with writePng(path, img.width, img.height, img.rgb).
 *
 * Layout, pixels: a MARGIN around everything; the title (font scale 2) centred on top; the legend on
 * the right, one row per label name; the plot box fills the rest. Both axes share one scale (a t-SNE
 * map has no preferred direction, and distances are what it shows), the points centred in the box.
 */
import { EarshotError } from '../../src/errors';
import { CELL_HEIGHT, drawText, textWidth } from '../../src/image/bitmap-font';
import type { Rgb } from '../../src/image/colormap';
import { blankImage, fillDisc, fillRect, type Rect, type RgbImage } from '../../src/image/raster';
import { mulberry32 } from '../eval/prng';

/**
 * matplotlib's tab20 (the Tableau 20 colours), reordered: the ten saturated tab10 colours first, then
 * their light partners, so that up to 10 labels get the most distinct colours and labels k and k + 10
 * are the same hue, dark and light.
 */
export const PALETTE: readonly Rgb[] = [
  [0x1f, 0x77, 0xb4], [0xff, 0x7f, 0x0e], [0x2c, 0xa0, 0x2c], [0xd6, 0x27, 0x28], [0x94, 0x67, 0xbd],
  [0x8c, 0x56, 0x4b], [0xe3, 0x77, 0xc2], [0x7f, 0x7f, 0x7f], [0xbc, 0xbd, 0x22], [0x17, 0xbe, 0xcf],
  [0xae, 0xc7, 0xe8], [0xff, 0xbb, 0x78], [0x98, 0xdf, 0x8a], [0xff, 0x98, 0x96], [0xc5, 0xb0, 0xd5],
  [0xc4, 0x9c, 0x94], [0xf7, 0xb6, 0xd2], [0xc7, 0xc7, 0xc7], [0xdb, 0xdb, 0x8d], [0x9e, 0xda, 0xe5],
];

export const BACKGROUND: Rgb = [255, 255, 255];
export const AXES: Rgb = [96, 96, 96];
export const INK: Rgb = [32, 32, 32];
const MARGIN = 12;
const TITLE_SCALE = 2;
/**
 * The legend, pixels: the colour swatch's side, the gap from swatch to name, the row pitch; names
 * longer than maxChars characters are cut with "...".
 */
const LEGEND = { swatch: 10, swatchGap: 6, row: 16, maxChars: 28 } as const;
/** Smallest plot box side worth drawing; narrower means the legend or title left no room. */
const MIN_PLOT = 40;

export interface ScatterOptions {
  /** Image size, pixels. Defaults 900 × 700. */
  width?: number;
  height?: number;
  title?: string;
  /** Disc radius, pixels (0 = single pixels). Default 3. */
  pointRadius?: number;
}

export interface ScatterLayout {
  /** The axes box (its 1-px border included). */
  plot: Rect;
  /** The legend block: row k's swatch is the LEGEND.swatch-square at (legend.x0, legend.y0 + k · LEGEND.row). */
  legend: Rect;
  /** Legend names as drawn (long ones cut). */
  names: string[];
}

function bad(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', `scatterPng: ${message}`);
}

function legendName(name: string): string {
  const chars = [...name];
  return chars.length <= LEGEND.maxChars ? name : chars.slice(0, LEGEND.maxChars - 3).join('') + '...';
}

/** Where scatterPng puts the plot box and the legend for this size, title and label names. */
export function scatterLayout(width: number, height: number, labelNames: readonly string[], title?: string): ScatterLayout {
  const names = labelNames.map(legendName);
  const legendW = LEGEND.swatch + LEGEND.swatchGap + Math.max(0, ...names.map((s) => textWidth(s)));
  const top = MARGIN + (title ? CELL_HEIGHT * TITLE_SCALE + MARGIN : 0);
  const legend = { x0: width - MARGIN - legendW, y0: top, x1: width - MARGIN - 1, y1: top + names.length * LEGEND.row - 1 };
  const plot = { x0: MARGIN, y0: top, x1: legend.x0 - MARGIN - 1, y1: height - MARGIN - 1 };
  if (plot.x1 - plot.x0 + 1 < MIN_PLOT || plot.y1 - plot.y0 + 1 < MIN_PLOT) {
    bad(`a ${width} × ${height} image leaves no room for the plot beside a ${legendW}-pixel legend${title ? ' and under the title' : ''}; make it larger`);
  }
  if (legend.y1 > height - MARGIN) bad(`${names.length} legend rows need ${names.length * LEGEND.row} pixels; the image is ${height} high`);
  return { plot, legend, names };
}

function checkArgs(points: Float64Array | Float32Array, labels: Int32Array, labelNames: readonly string[], o: ScatterOptions) {
  if (!(points instanceof Float64Array || points instanceof Float32Array)) bad('points must be a Float64Array (or Float32Array) of n × 2 coordinates, row-major');
  if (!(labels instanceof Int32Array)) bad('labels must be an Int32Array, one label index per point');
  const n = labels.length;
  if (points.length !== 2 * n) bad(`points holds ${points.length} values; ${n} labels need ${2 * n} (x, y per point)`);
  if (!Array.isArray(labelNames) || labelNames.length < 1 || labelNames.length > PALETTE.length || labelNames.some((s) => typeof s !== 'string')) {
    bad(`labelNames must be 1..${PALETTE.length} strings (one distinct colour each), got ${Array.isArray(labelNames) ? `${labelNames.length} entries` : typeof labelNames}`);
  }
  for (let i = 0; i < n; i++) {
    if (labels[i] < 0 || labels[i] >= labelNames.length) bad(`labels[${i}] is ${labels[i]}, not an index into the ${labelNames.length} label names`);
    if (!Number.isFinite(points[2 * i]) || !Number.isFinite(points[2 * i + 1])) bad(`point ${i} is (${points[2 * i]}, ${points[2 * i + 1]}): coordinates must be finite`);
  }
  const width = o.width ?? 900, height = o.height ?? 700, r = o.pointRadius ?? 3;
  for (const [name, v, lo, hi] of [['width', width, 64, 16384], ['height', height, 64, 16384], ['pointRadius', r, 0, 32]] as const) {
    if (!Number.isInteger(v) || v < lo || v > hi) bad(`${name} must be an integer in ${lo}..${hi} pixels, got ${String(v)}`);
  }
  if (o.title !== undefined && typeof o.title !== 'string') bad('title must be a string');
  return { n, width, height, r };
}

/**
 * Draws points (n × 2, row-major) as filled discs coloured PALETTE[labels[i]], with a legend naming
 * labelNames[k] beside swatch k. Points are drawn in a fixed shuffled order (mulberry32, seed 0), not
 * in input order, so that where clusters overlap no label is systematically painted over the others.
 */
export function scatterPng(points: Float64Array | Float32Array, labels: Int32Array, labelNames: readonly string[], options: ScatterOptions = {}): RgbImage {
  const { n, width, height, r } = checkArgs(points, labels, labelNames, options);
  const layout = scatterLayout(width, height, labelNames, options.title);
  const img = blankImage(width, height, BACKGROUND);

  if (options.title) {
    const tw = textWidth(options.title, TITLE_SCALE);
    drawText(img.rgb, width, Math.max(MARGIN, Math.floor((width - tw) / 2)), MARGIN, options.title, INK, TITLE_SCALE);
  }
  const { plot, legend, names } = layout;
  fillRect(img, { ...plot, y1: plot.y0 }, AXES);
  fillRect(img, { ...plot, y0: plot.y1 }, AXES);
  fillRect(img, { ...plot, x1: plot.x0 }, AXES);
  fillRect(img, { ...plot, x0: plot.x1 }, AXES);
  names.forEach((name, k) => {
    const y = legend.y0 + k * LEGEND.row;
    fillRect(img, { x0: legend.x0, y0: y, x1: legend.x0 + LEGEND.swatch - 1, y1: y + LEGEND.swatch - 1 }, PALETTE[k]);
    // The font's cell is 9 px high with the glyph's baseline at row 7: centre it on the swatch.
    drawText(img.rgb, width, legend.x0 + LEGEND.swatch + LEGEND.swatchGap, y + Math.floor((LEGEND.swatch - CELL_HEIGHT) / 2) + 1, name, INK);
  });
  if (n === 0) return img;

  // One scale for both axes, inset so every disc stays inside the box border.
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, points[2 * i]);
    maxX = Math.max(maxX, points[2 * i]);
    minY = Math.min(minY, points[2 * i + 1]);
    maxY = Math.max(maxY, points[2 * i + 1]);
  }
  const inset = r + 4;
  const boxW = plot.x1 - plot.x0 - 2 * inset, boxH = plot.y1 - plot.y0 - 2 * inset;
  const span = Math.max(maxX - minX, maxY - minY);
  const scale = span > 0 ? Math.min(boxW / (maxX - minX || span), boxH / (maxY - minY || span)) : 0;
  const cx = (plot.x0 + plot.x1) / 2, cy = (plot.y0 + plot.y1) / 2;
  const midX = (minX + maxX) / 2, midY = (minY + maxY) / 2;

  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const i of order) {
    // Image y grows downwards; the map's y grows upwards.
    fillDisc(img, Math.round(cx + (points[2 * i] - midX) * scale), Math.round(cy - (points[2 * i + 1] - midY) * scale), r, PALETTE[labels[i]]);
  }
  return img;
}
