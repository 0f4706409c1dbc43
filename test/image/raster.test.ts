// The raster primitives the pictures share (src/image/raster.ts): the exact pixels each shape colours,
// with everything outside the image clipped instead of wrapping into the next row or throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blankImage, drawLine, fillDisc, fillRect, setPixel, type RgbImage } from '../../src/image/raster';

const RED = [255, 0, 0] as const;

/** The coloured (non-white) pixels as "x,y" strings, row by row. */
function inked(img: RgbImage): string[] {
  const out: string[] = [];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = 3 * (y * img.width + x);
      if (img.rgb[i] !== 255 || img.rgb[i + 1] !== 255 || img.rgb[i + 2] !== 255) out.push(`${x},${y}`);
    }
  }
  return out;
}

test('blankImage fills every pixel with the background, white by default', () => {
  assert.ok(blankImage(3, 2).rgb.every((v) => v === 255));
  const grey = blankImage(2, 2, [10, 20, 30]);
  assert.deepEqual([...grey.rgb], [10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30]);
});

test('setPixel and fillRect colour inclusive rectangles and clip at the edges', () => {
  const img = blankImage(4, 3);
  setPixel(img, -1, 0, RED);
  setPixel(img, 4, 0, RED); // would wrap to (0, 1) without clipping
  assert.deepEqual(inked(img), []);
  fillRect(img, { x0: 2, y0: -5, x1: 9, y1: 0 }, RED);
  assert.deepEqual(inked(img), ['2,0', '3,0']);
  assert.deepEqual([...img.rgb.subarray(6, 9)], [...RED]);
});

test('drawLine draws both ends with a 2-pixel pen (the point, its right and lower neighbours)', () => {
  const img = blankImage(5, 4);
  drawLine(img, 0, 0, 2, 0, RED);
  assert.deepEqual(inked(img), ['0,0', '1,0', '2,0', '3,0', '0,1', '1,1', '2,1']);
  const diag = blankImage(3, 3);
  drawLine(diag, 0, 0, 2, 2, RED); // the pen at (2, 2) runs off the image: clipped
  assert.deepEqual(inked(diag), ['0,0', '1,0', '0,1', '1,1', '2,1', '1,2', '2,2']);
});

test('fillDisc: radius 0 is one pixel, radius 1 a 3 × 3 square, radius 2 a rounded square; clipped at the corner', () => {
  const one = blankImage(3, 3);
  fillDisc(one, 1, 1, 0, RED);
  assert.deepEqual(inked(one), ['1,1']);
  const square = blankImage(3, 3);
  fillDisc(square, 1, 1, 1, RED);
  assert.deepEqual(inked(square), ['0,0', '1,0', '2,0', '0,1', '1,1', '2,1', '0,2', '1,2', '2,2'], 'r² + r = 2 takes the corners too');
  const five = blankImage(5, 5);
  fillDisc(five, 2, 2, 2, RED);
  assert.equal(inked(five).length, 21, 'r² + r = 6: all 25 but the 4 corners');
  assert.ok(!inked(five).includes('0,0'));
  const corner = blankImage(3, 3);
  fillDisc(corner, 0, 0, 1, RED);
  assert.deepEqual(inked(corner), ['0,0', '1,0', '0,1', '1,1']);
});
