/**
 * A PNG of one or more series over a shared x axis, one panel per series stacked top to bottom, each
 * with its own y range (0 to a rounded maximum), axis ticks and a title, drawn with the project's own
 * PNG encoder and bitmap font (no plotting dependency for a benchmark figure).
 */
import { writePng } from '../src/io/png';
import { drawText, textWidth } from '../src/image/bitmap-font';

export interface Series {
  name: string;
  points: [number, number][];
}

type Rgb = [number, number, number];

const W = 900;
const PANEL_H = 260;
const TOP = 40;
const LEFT = 70;
const RIGHT = 20;
const BOTTOM = 40;
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

function line(img: Uint8Array, x0: number, y0: number, x1: number, y1: number, c: Rgb, height: number): void {
  const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
  for (let i = 0; i <= n; i++) {
    const x = Math.round(x0 + ((x1 - x0) * i) / n);
    const y = Math.round(y0 + ((y1 - y0) * i) / n);
    for (const [dx, dy] of [[0, 0], [0, 1], [1, 0]]) {
      const px = x + dx;
      const py = y + dy;
      if (px < 0 || px >= W || py < 0 || py >= height) continue;
      img.set(c, 3 * (py * W + px));
    }
  }
}

export function writeLineChartPng(file: string, title: string, xLabel: string, series: Series[]): void {
  const height = TOP + series.length * PANEL_H + BOTTOM;
  const img = new Uint8Array(W * height * 3).fill(255);
  const ink: Rgb = [40, 40, 40];
  const grid: Rgb = [225, 225, 225];
  drawText(img, W, Math.max(0, Math.round((W - textWidth(title, 2)) / 2)), 10, title, ink, 2);
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMin = Math.min(0, ...xs);
  const xMax = Math.max(xMin + 1, ...xs);
  const plotW = W - LEFT - RIGHT;
  series.forEach((s, k) => {
    const top = TOP + k * PANEL_H + 20;
    const h = PANEL_H - 50;
    const yMax = niceCeil(Math.max(...s.points.map((p) => p[1]), 0) * 1.05);
    const X = (x: number): number => Math.round(LEFT + ((x - xMin) / (xMax - xMin)) * plotW);
    const Y = (y: number): number => Math.round(top + h - (y / yMax) * h);
    drawText(img, W, LEFT, top - 16, s.name, COLORS[k % COLORS.length]);
    for (let t = 0; t <= 4; t++) {
      const yv = (yMax * t) / 4;
      line(img, LEFT, Y(yv), LEFT + plotW, Y(yv), grid, height);
      const label = Number.isInteger(yv) ? String(yv) : yv.toFixed(1);
      drawText(img, W, LEFT - 6 - textWidth(label), Y(yv) - 4, label, ink);
    }
    const xStep = niceCeil((xMax - xMin) / 8);
    for (let i = Math.ceil(xMin / xStep); i * xStep <= xMax; i++) {
      const xv = i * xStep;
      line(img, X(xv), top + h, X(xv), top + h + 4, ink, height);
      const label = String(Math.round(xv * 1e6) / 1e6);
      drawText(img, W, X(xv) - Math.round(textWidth(label) / 2), top + h + 8, label, ink);
    }
    line(img, LEFT, top, LEFT, top + h, ink, height);
    line(img, LEFT, top + h, LEFT + plotW, top + h, ink, height);
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < pts.length; i++) line(img, X(pts[i - 1][0]), Y(pts[i - 1][1]), X(pts[i][0]), Y(pts[i][1]), COLORS[k % COLORS.length], height);
  });
  drawText(img, W, LEFT + Math.round((plotW - textWidth(xLabel)) / 2), height - 16, xLabel, ink);
  writePng(file, W, height, img);
}
