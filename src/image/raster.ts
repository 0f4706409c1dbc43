/**
 * The RGB raster every picture of the project is drawn on (spectrograms, montages, the report's
 * scatter plot, benchmark charts) and its few drawing primitives: blank image, filled rectangle, filled
 * disc, straight line. Coordinates are integer pixels, x to the right and y down from the top-left
 * corner; everything is clipped to the image, so a shape may run off its edge. Text is drawn with
 * bitmap-font.ts (drawText(img.rgb, img.width, ...)), and images are written with io/png.ts.
 */
import type { Rgb } from './colormap';

/** An 8-bit RGB raster: width × height × 3 bytes, rows top to bottom (what encodePng takes). */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** An inclusive pixel rectangle. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A width × height image of one colour (default white). */
export function blankImage(width: number, height: number, background: Rgb = [255, 255, 255]): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  if (background.every((v) => v === background[0])) rgb.fill(background[0]);
  else for (let i = 0; i < rgb.length; i += 3) rgb.set(background, i);
  return { width, height, rgb };
}

/** Colours the pixel at (x, y) when it lies inside the image. */
export function setPixel(img: RgbImage, x: number, y: number, c: Rgb): void {
  if (x >= 0 && x < img.width && y >= 0 && y < img.height) img.rgb.set(c, 3 * (y * img.width + x));
}

export function fillRect(img: RgbImage, r: Rect, c: Rgb): void {
  for (let y = Math.max(0, r.y0); y <= Math.min(img.height - 1, r.y1); y++) {
    for (let x = Math.max(0, r.x0); x <= Math.min(img.width - 1, r.x1); x++) img.rgb.set(c, 3 * (y * img.width + x));
  }
}

/** A filled disc of radius r pixels around (cx, cy): the pixels with dx² + dy² ≤ r² + r (≈ (r + ½)², rounder small discs than r²). */
export function fillDisc(img: RgbImage, cx: number, cy: number, r: number, c: Rgb): void {
  const r2 = r * r + r;
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r2) setPixel(img, cx + dx, cy + dy, c);
  }
}

/**
 * A straight line from (x0, y0) to (x1, y1), both ends included, drawn with a 2-pixel pen (each point,
 * its right and its lower neighbour) so that a chart's lines stay visible when the image is scaled down.
 */
export function drawLine(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
  const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
  for (let i = 0; i <= n; i++) {
    const x = Math.round(x0 + ((x1 - x0) * i) / n);
    const y = Math.round(y0 + ((y1 - y0) * i) / n);
    setPixel(img, x, y, c);
    setPixel(img, x, y + 1, c);
    setPixel(img, x + 1, y, c);
  }
}
