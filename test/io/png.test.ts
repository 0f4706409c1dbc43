// PNG encoder: every file decoded by an independent reader (bitwise CRC, zlib inflate, the spec's
// unfiltering) and, where ffmpeg is installed, by ffmpeg's PNG decoder; pixels must match exactly.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findFfmpeg } from '../../src/audio/ffmpeg';
import { EarshotError } from '../../src/errors';
import { crc32, encodePng, writePng } from '../../src/io/png';
import { mulberry32 } from '../../trainer/eval/prng';
import { bitwiseCrc32, readPng } from '../helpers/png-reader';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-png-'));

function randomImage(w: number, h: number, seed: number): Uint8Array {
  const r = mulberry32(seed);
  return Uint8Array.from({ length: w * h * 3 }, () => Math.floor(r() * 256));
}

/** A smooth image (gradients and a flat band): where the adaptive filters earn their keep. */
function smoothImage(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 3 * (y * w + x);
      out[o] = (x * 255) / Math.max(1, w - 1);
      out[o + 1] = (y * 255) / Math.max(1, h - 1);
      out[o + 2] = y < h / 2 ? 40 : (x + y) & 0xff;
    }
  }
  return out;
}

function roundTrip(w: number, h: number, rgb: Uint8Array): ReturnType<typeof readPng> {
  const png = readPng(encodePng(w, h, rgb));
  assert.equal(png.width, w);
  assert.equal(png.height, h);
  assert.ok(Buffer.from(png.rgb).equals(Buffer.from(rgb)), `${w}x${h}: pixels differ after decoding`);
  return png;
}

test('crc32 matches the check value and the bitwise definition, and continues across buffers', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926); // the CRC-32 catalogue's check value
  const r = mulberry32(7);
  for (const n of [0, 1, 2, 3, 255, 256, 1000]) {
    const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
    assert.equal(crc32(bytes), bitwiseCrc32(bytes), `length ${n}`);
    const cut = n >> 1;
    assert.equal(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut))), crc32(bytes));
  }
});

test('random images of edge sizes decode to the exact input pixels', () => {
  const sizes: Array<[number, number]> = [[1, 1], [2, 1], [1, 2], [3, 3], [1, 300], [1000, 1], [4097, 2], [17, 31], [64, 64]];
  sizes.forEach(([w, h], i) => {
    const png = roundTrip(w, h, randomImage(w, h, 100 + i));
    assert.deepEqual(png.chunks.filter((c) => c !== 'IDAT'), ['IHDR', 'IEND']);
  });
});

test('smooth images use the predicting filters and compress far below their raw size', () => {
  const w = 300, h = 200;
  const rgb = smoothImage(w, h);
  const png = roundTrip(w, h, rgb);
  assert.ok(png.filters.some((f) => f !== 0), `all rows used filter None: ${png.filters.join(',')}`);
  const bytes = encodePng(w, h, rgb).length;
  assert.ok(bytes < rgb.length / 10, `${bytes} bytes for ${rgb.length} raw`);
  // Constant rows (black) and copies of the row above pick Sub / Up: zero-cost rows.
  const flat = new Uint8Array(w * h * 3).fill(0);
  assert.ok(encodePng(w, h, flat).length < 1000);
});

test('a large incompressible image is split over several IDAT chunks, still exact', () => {
  const w = 1024, h = 512; // 1.5 MiB of noise: more than one 1 MiB IDAT
  const png = roundTrip(w, h, randomImage(w, h, 3));
  assert.ok(png.chunks.filter((c) => c === 'IDAT').length >= 2, png.chunks.join(','));
});

test('every compression level decodes to the same pixels', () => {
  const rgb = smoothImage(40, 30);
  for (let level = 0; level <= 9; level++) assert.ok(Buffer.from(readPng(encodePng(40, 30, rgb, { compressionLevel: level })).rgb).equals(Buffer.from(rgb)));
});

test('bad arguments are ERR_INVALID_ARGUMENT naming the problem', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => encodePng(0, 1, new Uint8Array(0)), /width must be an integer in 1\.\./],
    [() => encodePng(1, 1.5, new Uint8Array(3)), /height must be an integer/],
    [() => encodePng(2, 2, new Uint8Array(11)), /needs 12 bytes, got 11/],
    [() => encodePng(1, 1, [1, 2, 3] as unknown as Uint8Array), /must be a Uint8Array/],
    [() => encodePng(1, 1, new Uint8Array(3), { compressionLevel: 10 }), /compressionLevel/],
    [() => encodePng(2 ** 31, 1, new Uint8Array(3)), /width must be an integer in 1\.\.2147483647/],
  ];
  for (const [fn, re] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof EarshotError && e.code === 'ERR_INVALID_ARGUMENT' && re.test(e.message));
  }
});

test('writePng writes atomically: the file appears whole, no temporary is left, errors are ERR_IO', () => {
  const out = path.join(tmp, 'a.png');
  const rgb = randomImage(5, 4, 9);
  writePng(out, 5, 4, rgb);
  assert.ok(Buffer.from(readPng(fs.readFileSync(out)).rgb).equals(Buffer.from(rgb)));
  writePng(out, 1, 1, new Uint8Array([1, 2, 3])); // replaces
  assert.deepEqual([...readPng(fs.readFileSync(out)).rgb], [1, 2, 3]);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), []);
  assert.throws(() => writePng(path.join(tmp, 'no-such-dir', 'x.png'), 1, 1, new Uint8Array(3)), (e: unknown) => e instanceof EarshotError && e.code === 'ERR_IO' && /no-such-dir/.test(e.message));
});

function ffmpegOrSkip(t: TestContext): string | null {
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) t.skip('ffmpeg not installed (apt-get install ffmpeg): PNG not cross-checked with a second decoder');
  return ffmpeg;
}

test('ffmpeg decodes the PNGs to the same RGB bytes', (t) => {
  const ffmpeg = ffmpegOrSkip(t);
  if (!ffmpeg) return;
  const images: Array<[number, number, Uint8Array]> = [
    [1, 1, randomImage(1, 1, 1)],
    [3, 2, randomImage(3, 2, 2)],
    [257, 3, randomImage(257, 3, 4)],
    [120, 80, smoothImage(120, 80)],
    [1024, 512, randomImage(1024, 512, 3)], // several IDAT chunks
  ];
  for (const [w, h, rgb] of images) {
    const file = path.join(tmp, `ff-${w}x${h}.png`);
    writePng(file, w, h, rgb);
    const out = execFileSync(ffmpeg, ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
    assert.ok(out.equals(Buffer.from(rgb)), `${w}x${h}: ffmpeg's pixels differ`);
  }
});
