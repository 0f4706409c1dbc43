/**
 * A PNG of one or more series over a shared x axis, one panel per series stacked top to bottom, each
 * with its own y range (0 to a rounded maximum), axis ticks and a title, drawn with the project's own
 * PNG encoder and bitmap font (no plotting dependency for a benchmark figure).
 */
import { writePng } from '../src/io/png';
import { drawText, textWidth } from '../src/image/bitmap-font';
import type { Rgb } from '../src/image/colormap';
import { blankImage, drawLine } from '../src/image/raster';

export interface Series {
  name: string;
  points: [number, number][];
}

/** Image width and the height of one series' panel, pixels. */
const WIDTH = 900;
const PANEL_HEIGHT = 260;
/** Room around the panels, pixels: the title above, y tick labels on the left, the x label below. */
const MARGIN = { top: 40, left: 70, right: 20, bottom: 40 } as const;
const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const COLORS: Rgb[] = [
  [31, 119, 180],
  [214, 39, 40],
  [44, 160, 44],
];

/** 1, 2 or 5 × a power of ten at or above x. */
function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

export function writeLineChartPng(file: string, title: string, xLabel: string, series: Series[]): void {
  const img = blankImage(WIDTH, MARGIN.top + series.length * PANEL_HEIGHT + MARGIN.bottom);
  drawText(img.rgb, WIDTH, Math.max(0, Math.round((WIDTH - textWidth(title, 2)) / 2)), 10, title, INK, 2);
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMin = Math.min(0, ...xs);
  const xMax = Math.max(xMin + 1, ...xs);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  series.forEach((s, k) => {
    const top = MARGIN.top + k * PANEL_HEIGHT + 20;
    const h = PANEL_HEIGHT - 50;
    const yMax = niceCeil(Math.max(...s.points.map((p) => p[1]), 0) * 1.05);
    const X = (x: number): number => Math.round(MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW);
    const Y = (y: number): number => Math.round(top + h - (y / yMax) * h);
    drawText(img.rgb, WIDTH, MARGIN.left, top - 16, s.name, COLORS[k % COLORS.length]);
    for (let t = 0; t <= 4; t++) {
      const yv = (yMax * t) / 4;
      drawLine(img, MARGIN.left, Y(yv), MARGIN.left + plotW, Y(yv), GRID);
      const label = Number.isInteger(yv) ? String(yv) : yv.toFixed(1);
      drawText(img.rgb, WIDTH, MARGIN.left - 6 - textWidth(label), Y(yv) - 4, label, INK);
    }
    const xStep = niceCeil((xMax - xMin) / 8);
    for (let i = Math.ceil(xMin / xStep); i * xStep <= xMax; i++) {
      const xv = i * xStep;
      drawLine(img, X(xv), top + h, X(xv), top + h + 4, INK);
      const label = String(Math.round(xv * 1e6) / 1e6);
      drawText(img.rgb, WIDTH, X(xv) - Math.round(textWidth(label) / 2), top + h + 8, label, INK);
    }
    drawLine(img, MARGIN.left, top, MARGIN.left, top + h, INK);
    drawLine(img, MARGIN.left, top + h, MARGIN.left + plotW, top + h, INK);
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < pts.length; i++) drawLine(img, X(pts[i - 1][0]), Y(pts[i - 1][1]), X(pts[i][0]), Y(pts[i][1]), COLORS[k % COLORS.length]);
  });
  drawText(img.rgb, WIDTH, MARGIN.left + Math.round((plotW - textWidth(xLabel)) / 2), img.height - 16, xLabel, INK);
  writePng(file, img.width, img.height, img.rgb);
}
