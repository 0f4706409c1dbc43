/**
 * A built-in 5×7 pixel font (printable ASCII 32..126, plus the em dash) so image labels need no
 * system fonts, font files or native libraries, and render the same on every machine. Glyph shapes
 * follow the classic 5×7 LCD character-generator style, with one descender row below the baseline
 * for g, j, p, q, y (without it g reads as 9). Each glyph is drawn in a 6×9 cell (a blank column and
 * a blank row below the descender for spacing); text has no kerning and no line wrapping.
 */
import { EarshotError } from '../errors';
import type { Rgb } from './colormap';

export const GLYPH_WIDTH = 5;
/** Seven rows down to the baseline, plus one descender row. */
export const GLYPH_HEIGHT = 8;
/** Horizontal advance and line height per character at scale 1, pixels. */
export const CELL_WIDTH = 6;
export const CELL_HEIGHT = 9;

/**
 * Rows of five pixels, top to bottom, '#' ink: seven down to the baseline, an eighth only for
 * descenders (blank when left out). Read the shapes here, not as hex.
 */
const GLYPHS: Record<string, string> = {
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '"': '.#.#. .#.#. .#.#. ..... ..... ..... .....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  $: '..#.. .#### #.#.. .###. ..#.# ####. ..#..',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  "'": '..#.. ..#.. .#... ..... ..... ..... .....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  '-': '..... ..... ..... .###. ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  ';': '..... .##.. .##.. ..... .##.. ..#.. .#...',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '@': '.###. #...# ....# .##.# #.#.# #.#.# .###.',
  A: '.###. #...# #...# #...# ##### #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  '\\': '..... #.... .#... ..#.. ...#. ....# .....',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '^': '..#.. .#.#. #...# ..... ..... ..... .....',
  _: '..... ..... ..... ..... ..... ..... #####',
  '`': '.#... ..#.. ...#. ..... ..... ..... .....',
  a: '..... ..... .###. ....# .#### #...# .####',
  b: '#.... #.... #.##. ##..# #...# #...# ####.',
  c: '..... ..... .###. #.... #.... #...# .###.',
  d: '....# ....# .##.# #..## #...# #...# .####',
  e: '..... ..... .###. #...# ##### #.... .###.',
  f: '..##. .#..# .#... ###.. .#... .#... .#...',
  g: '..... ..... .#### #...# #...# .#### ....# .###.',
  h: '#.... #.... #.##. ##..# #...# #...# #...#',
  i: '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  j: '...#. ..... ..##. ...#. ...#. ...#. #..#. .##..',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #...# #...#',
  n: '..... ..... #.##. ##..# #...# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# #...# ####. #.... #....',
  q: '..... ..... .#### #...# #...# .#### ....# ....#',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .###. #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  u: '..... ..... #...# #...# #...# #..## .##.#',
  v: '..... ..... #...# #...# #...# .#.#. ..#..',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  x: '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  y: '..... ..... #...# #...# #...# .#### ....# .###.',
  z: '..... ..... ##### ...#. ..#.. .#... #####',
  '{': '...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  '}': '.#... ..#.. ..#.. ...#. ..#.. ..#.. .#...',
  '~': '..... ..... .#... #.#.# ...#. ..... .....',
  // The em dash is the full glyph width (5 px) against the hyphen's 3, so the two read apart.
  '\u2014': '..... ..... ..... ##### ..... ..... .....',
};

/** Ink masks, 40 bytes (row-major 8×5, 1 = ink) per glyph, parsed once. */
const MASKS = new Map<string, Uint8Array>(
  Object.entries(GLYPHS).map(([ch, rows]) => [ch, Uint8Array.from(rows.padEnd(8 * 6 - 1, ' .....').replace(/ /g, ''), (c) => (c === '#' ? 1 : 0))]),
);

/** The characters the font draws. */
export function fontCharacters(): string[] {
  return [...MASKS.keys()];
}

/** The 8×5 ink mask (row-major, 1 = ink) drawn for `ch` (one code point), after the fallbacks of drawText. */
export function glyphMask(ch: string): Uint8Array {
  return MASKS.get(fold(ch)) ?? MASKS.get('?')!;
}

/**
 * Maps a code point to a drawable one: accents are dropped (é → e, via Unicode decomposition), the en
 * dash and minus sign become '-', anything else outside the font becomes '?'.
 */
function fold(ch: string): string {
  if (MASKS.has(ch)) return ch;
  if (ch === '\u2013' || ch === '\u2212') return '-';
  const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return MASKS.has(base) ? base : '?';
}

/** Width in pixels of `text` drawn at `scale` (the last character's spacing column included). */
export function textWidth(text: string, scale = 1): number {
  return [...text].length * CELL_WIDTH * scale;
}

/**
 * Draws `text` into an RGB image (`img`: width × height × 3 bytes, rows top to bottom) with its top-left
 * cell corner at (x, y), each font pixel a scale × scale block. Ink outside the image is clipped, so a
 * label may run off the edge. Background pixels are left as they are. Returns the x after the text.
 */
export function drawText(img: Uint8Array, width: number, x: number, y: number, text: string, rgb: Rgb, scale = 1): number {
  if (!(img instanceof Uint8Array)) throw new EarshotError('ERR_INVALID_ARGUMENT', 'drawText: img must be a Uint8Array of RGB bytes');
  if (!Number.isInteger(width) || width < 1 || img.length % (3 * width) !== 0) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `drawText: width must be a positive integer dividing the image into rows of 3-byte pixels, got ${String(width)} for ${img.length} bytes`);
  }
  if (!Number.isInteger(x) || !Number.isInteger(y)) throw new EarshotError('ERR_INVALID_ARGUMENT', `drawText: x and y must be integers, got ${String(x)}, ${String(y)}`);
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new EarshotError('ERR_INVALID_ARGUMENT', `drawText: scale must be an integer in 1..64, got ${String(scale)}`);
  const height = img.length / (3 * width);
  let penX = x;
  for (const ch of text) {
    const mask = glyphMask(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!mask[gy * GLYPH_WIDTH + gx]) continue;
        for (let dy = 0; dy < scale; dy++) {
          const py = y + gy * scale + dy;
          if (py < 0 || py >= height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = penX + gx * scale + dx;
            if (px < 0 || px >= width) continue;
            const o = 3 * (py * width + px);
            img[o] = rgb[0];
            img[o + 1] = rgb[1];
            img[o + 2] = rgb[2];
          }
        }
      }
    }
    penX += CELL_WIDTH * scale;
  }
  return penX;
}
