/**
 * PNG writer for 8-bit RGB images (spec: W3C PNG 2nd edition / ISO 15948), so spectrograms and
 * montages need no image library. Layout:
 *   8-byte signature, IHDR (width, height, bit depth 8, colour type 2 = truecolour, deflate,
 *   adaptive filtering, no interlace), IDAT chunks holding one zlib stream of the filtered scanlines,
 *   IEND. Every chunk is u32 BE length, 4-byte type, data, u32 BE CRC-32 of type + data.
 * Each scanline picks, among the five filters, the one whose output has the smallest sum of absolute
 * values as signed bytes: the spec's recommended heuristic (§12.8, as libpng does), which makes smooth
 * images (spectrograms, flat backgrounds) much more compressible than filter None.
 */
import * as zlib from 'node:zlib';
import { EarshotError } from '../errors';
import { writeFileAtomic } from './atomic-write';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The spec limits width, height and chunk lengths to 2^31 − 1. */
const PNG_MAX_DIM = 0x7fffffff;
/** Bytes per pixel of 8-bit truecolour; also the Sub/Average/Paeth "left" distance. */
const BPP = 3;
/**
 * Compressed bytes per IDAT chunk (1 MiB). One chunk would be legal too; splitting keeps every chunk
 * far below the 2^31 − 1 limit whatever the image size, and is what streaming readers expect.
 */
const IDAT_CHUNK_BYTES = 1 << 20;

const CRC_TABLE = (() => {
  // Reflected CRC-32, polynomial 0xEDB88320 (spec annex D), one table entry per byte value.
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 as PNG (and zlib's crc32, and gzip) define it. Pass the previous result as `crc` to
 * continue over a second buffer: crc32(b, crc32(a)) === crc32(a ++ b).
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function bad(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

function checkImage(width: number, height: number, rgb: Uint8Array): void {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > PNG_MAX_DIM) bad(`PNG ${name} must be an integer in 1..${PNG_MAX_DIM} pixels, got ${String(v)}`);
  }
  if (!(rgb instanceof Uint8Array)) bad('PNG pixels must be a Uint8Array of RGB bytes (3 per pixel, rows top to bottom)');
  if (rgb.length !== width * height * BPP) bad(`PNG pixels: ${width} x ${height} RGB needs ${width * height * BPP} bytes, got ${rgb.length}`);
  // The filtered scanlines (one filter byte per row) must fit one Buffer before deflate.
  if ((BPP * width + 1) * height > 2 ** 32 - 1) bad(`PNG ${width} x ${height} is too large to encode in memory (over 4 GiB of scanlines)`);
}

/** Paeth predictor (spec §9.4): whichever of left, up, upper-left is nearest to left + up − upper-left. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Sum of |byte| with bytes read as signed: the spec's cost estimate for a filtered row. */
function cost(row: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < row.length; i++) s += row[i] < 128 ? row[i] : 256 - row[i];
  return s;
}

/**
 * Filters every scanline (the filter type byte first) into one buffer. `prev` is the row above, or a
 * zero row for the first scanline, as the spec defines.
 */
function filterScanlines(width: number, height: number, rgb: Uint8Array): Buffer {
  const stride = width * BPP;
  const out = Buffer.alloc((stride + 1) * height);
  const zero = new Uint8Array(stride);
  // Scratch rows for filters 1..4, allocated once per image; filter 0 is the row itself.
  const cand = [null, new Uint8Array(stride), new Uint8Array(stride), new Uint8Array(stride), new Uint8Array(stride)];
  for (let y = 0; y < height; y++) {
    const row = rgb.subarray(y * stride, (y + 1) * stride);
    const prev = y === 0 ? zero : rgb.subarray((y - 1) * stride, y * stride);
    const sub = cand[1]!, up = cand[2]!, avg = cand[3]!, pae = cand[4]!;
    for (let i = 0; i < stride; i++) {
      const a = i >= BPP ? row[i - BPP] : 0;
      const b = prev[i];
      const c = i >= BPP ? prev[i - BPP] : 0;
      const x = row[i];
      sub[i] = x - a; // Uint8Array stores mod 256, as the spec's byte arithmetic requires
      up[i] = x - b;
      avg[i] = x - ((a + b) >> 1);
      pae[i] = x - paeth(a, b, c);
    }
    let best = 0;
    let bestCost = cost(row);
    for (let f = 1; f <= 4; f++) {
      const k = cost(cand[f]!);
      if (k < bestCost) {
        best = f;
        bestCost = k;
      }
    }
    const at = y * (stride + 1);
    out[at] = best;
    out.set(best === 0 ? row : cand[best]!, at + 1);
  }
  return out;
}

/**
 * Encodes `rgb` (width × height × 3 bytes, rows top to bottom, R G B per pixel) as PNG file bytes.
 * compressionLevel is zlib's 0..9 (default 9: these images are written once and read often).
 */
export function encodePng(width: number, height: number, rgb: Uint8Array, options: { compressionLevel?: number } = {}): Buffer {
  checkImage(width, height, rgb);
  const level = options.compressionLevel ?? 9;
  if (!Number.isInteger(level) || level < 0 || level > 9) bad(`PNG compressionLevel must be an integer in 0..9, got ${String(level)}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method: adaptive, five types
  ihdr[12] = 0; // no interlace
  const z = zlib.deflateSync(filterScanlines(width, height, rgb), { level });
  const parts: Uint8Array[] = [SIGNATURE, chunk('IHDR', ihdr)];
  for (let off = 0; off < z.length; off += IDAT_CHUNK_BYTES) parts.push(chunk('IDAT', z.subarray(off, off + IDAT_CHUNK_BYTES)));
  parts.push(chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/**
 * Encodes and writes a PNG atomically (writeFileAtomic: temporary file renamed into place, so a failed
 * write leaves neither a truncated PNG nor a destroyed previous file). File errors: ERR_IO naming the path.
 */
export function writePng(path: string, width: number, height: number, rgb: Uint8Array): void {
  writeFileAtomic(path, encodePng(width, height, rgb));
}
