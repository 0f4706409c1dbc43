/**
 * Findings of the coverage-guided fuzzing (fuzz/README.md), each as the input that broke a parser and
 * the clear error it gives now; and every JavaScript fuzz target replayed over its committed seed corpus
 * and the inputs of its fixed findings (fuzz/regressions/<target>/), without fuzzing, so the harnesses keep compiling and holding under npm test.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { parseWav, WavStreamDecoder } from '../../src/audio/wav';
import { EarshotError, type EarshotErrorCode } from '../../src/errors';
import { encodeNpy, readNpy } from '../../src/io/npy';
import { loadBundle } from '../../src/model/bundle';
import { TripletParser, type TripletFormat } from '../../trainer/data/triplet-parser';
import { repoRoot } from '../helpers/shared';

function isCode(code: EarshotErrorCode, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof EarshotError, `expected EarshotError ${code}, got ${err instanceof Error ? err.stack : String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-fuzz-regressions-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const bytes = (...parts: (number[] | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? ascii(p) : p)));
/** fmt body: PCM, mono, 8 kHz, 16-bit. */
const FMT16 = [1, 0, 1, 0, ...le32(8000), ...le32(16000), 2, 0, 16, 0];

describe('WAV / RF64 (src/audio/wav.ts)', () => {
  // ds64 holds riffSize (u64) then dataSize (u64): 16 bytes at least. A 12..15-byte ds64 was accepted
  // ("need 12") and dataSize read past its end: a RangeError from DataView, or stale header bytes.
  test('an RF64 ds64 chunk of 12 bytes: ERR_AUDIO_FORMAT (was a RangeError)', () => {
    const wav = bytes('RF64', le32(0xffffffff), 'WAVE', 'ds64', le32(12), le32(0), le32(0), le32(4), 'fmt ', le32(16), FMT16, 'data', le32(0xffffffff), [1, 0, 2, 0]);
    assert.throws(() => parseWav(wav), isCode('ERR_AUDIO_FORMAT', /ds64 chunk is 12 bytes; need 16/));
  });

  test('a 14-byte ds64 after a fmt chunk: ERR_AUDIO_FORMAT, never a data size read from the stale fmt bytes', () => {
    const wav = bytes('RF64', le32(0xffffffff), 'WAVE', 'fmt ', le32(16), FMT16, 'ds64', le32(14), le32(0), le32(0), le32(4), [0, 0], 'data', le32(0xffffffff), [1, 0, 2, 0]);
    const dec = new WavStreamDecoder();
    assert.throws(() => {
      for (const b of wav) dec.push(Uint8Array.of(b)); // byte by byte: the same as all at once
      dec.end();
    }, isCode('ERR_AUDIO_FORMAT', /ds64 chunk is 14 bytes; need 16/));
  });
});

describe('.npy header (src/io/npy-header.ts)', () => {
  /** A v1 .npy preamble (no data) with this shape text. */
  const npyWithShape = (shape: string) => {
    let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
    dict += ' '.repeat(63 - ((10 + dict.length) % 64)) + '\n';
    return bytes([0x93], 'NUMPY', [1, 0, dict.length & 0xff, dict.length >> 8], dict);
  };

  // An axis of 0 makes the product 0 whatever the others say, so (0, 1e20) and (0, Infinity) passed the
  // size check and came back as shapes no caller can index (Number("9".repeat(400)) is Infinity).
  test('a shape entry beyond 2^53 - 1 is ERR_NPY_FORMAT, even when another axis is 0', () => {
    assert.throws(() => readNpy(npyWithShape('(0, 99999999999999999999)')), isCode('ERR_NPY_FORMAT', /shape entry "99999999999999999999"/));
    assert.throws(() => readNpy(npyWithShape(`(0, ${'9'.repeat(400)})`)), isCode('ERR_NPY_FORMAT', /shape entry/));
    assert.deepEqual(readNpy(npyWithShape('(0, 9007199254740991)')).shape, [0, 9007199254740991]);
  });
});

describe('play-count triplets (trainer/data/triplet-parser.ts)', () => {
  // The carried (unfinished) first line still holds the 3-byte BOM, which the length limit counted: a
  // first line of exactly maxLineBytes was "longer than" the limit when it arrived in pieces, fine at once.
  test('a BOM and a first line of exactly maxLineBytes: accepted whether pushed at once or byte by byte', () => {
    const input = bytes([0xef, 0xbb, 0xbf], 'u\ti\t123456\r\nu\tj\t1\n');
    const once = new TripletParser({ maxLineBytes: 10 });
    once.push(input);
    assert.equal(once.end().rows, 2);
    const pieces = new TripletParser({ maxLineBytes: 10 });
    for (const b of input) pieces.push(Uint8Array.of(b));
    assert.equal(pieces.end().rows, 2);
  });

  test('a BOM and a first line one byte over the limit: the same ERR_TRIPLETS_FORMAT either way', () => {
    const input = bytes([0xef, 0xbb, 0xbf], 'u\ti\t1234567\r\n');
    const once = new TripletParser({ maxLineBytes: 10 });
    assert.throws(() => (once.push(input), once.end()), isCode('ERR_TRIPLETS_FORMAT', /:1: line longer than 10 bytes/));
    const pieces = new TripletParser({ maxLineBytes: 10 });
    assert.throws(() => {
      for (const b of input) pieces.push(Uint8Array.of(b));
      pieces.end();
    }, isCode('ERR_TRIPLETS_FORMAT', /:1: line longer than 10 bytes/));
  });

  /** The rows of `input` pushed at once and pushed byte by byte, or each way's error message. */
  const onceAndBytewise = (input: Uint8Array, format: TripletFormat, maxLineBytes: number) =>
    [[input], Array.from(input, (b) => Uint8Array.of(b))].map((chunks) => {
      const p = new TripletParser({ format, maxLineBytes, name: 'plays.csv' });
      try {
        for (const c of chunks) p.push(c);
        return p.end().rows;
      } catch (err) {
        assert.ok(err instanceof EarshotError && err.code === 'ERR_TRIPLETS_FORMAT', String(err));
        return err.message;
      }
    });

  // Only the carry between chunks applied maxLineBytes to a 'columns' header (start() read it unchecked):
  // a header over the limit was accepted in one chunk and refused in pieces. Input: fuzz/regressions/plays-columns/.
  test("a 'columns' header longer than maxLineBytes: ERR_TRIPLETS_FORMAT at line 1 whether pushed at once or byte by byte", () => {
    const input = bytes('user,song,plays,timestamp_of_play\nu,s,1,1600000000\n'); // a 33-byte header
    const refused = 'plays.csv:1: line longer than 32 bytes: "user,song,plays,timestamp_of_play"';
    for (const format of ['columns', 'auto'] as const) assert.deepEqual(onceAndBytewise(input, format, 32), [refused, refused], format);
    // exactly the limit, after a BOM and before a CRLF: accepted either way
    const atLimit = bytes([0xef, 0xbb, 0xbf], 'user,song,plays,timestamp_of_pla\r\nu,s,1,1600000000\r\n');
    for (const format of ['columns', 'auto'] as const) assert.deepEqual(onceAndBytewise(atLimit, format, 32), [1, 1], format);
  });
});

describe('bundle manifest and tags (src/model/bundle.ts)', () => {
  let n = 0;
  const manifest = (over: Record<string, unknown> = {}, files: Record<string, unknown> = {}) =>
    JSON.stringify({
      format: 'earshot-bundle',
      version: 1,
      factors: 2,
      windowFrames: 130,
      mel: { sampleRateHz: 22050 },
      files: { model: 'model.onnx', itemFactors: 'item_factors.npy', items: 'items.tsv', tags: 'tags.json', ...files },
      ...over,
    });
  /** A bundle directory whose catalogue is valid (one item, F = 2), with the given files written over it. */
  const bundle = (files: Record<string, string>) => {
    const dir = path.join(tmp, `bundle-${n++}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'item_factors.npy'), encodeNpy(Float32Array.of(1, 2), [1, 2]));
    fs.writeFileSync(path.join(dir, 'items.tsv'), 'id\tartist\ttitle\nSO1\tA\tT\n');
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };

  test('manifest.json that is JSON but not an object with the documented fields: ERR_MODEL_FORMAT (was a TypeError)', async () => {
    await assert.rejects(loadBundle(bundle({ 'manifest.json': 'null' })), isCode('ERR_MODEL_FORMAT', /must hold a JSON object/));
    await assert.rejects(loadBundle(bundle({ 'manifest.json': '[1]' })), isCode('ERR_MODEL_FORMAT', /must hold a JSON object/));
    await assert.rejects(loadBundle(bundle({ 'manifest.json': '{"format":"earshot-bundle","version":1,"factors":2}' })), isCode('ERR_MODEL_FORMAT', /windowFrames/));
    await assert.rejects(loadBundle(bundle({ 'manifest.json': manifest({ files: null }) })), isCode('ERR_MODEL_FORMAT', /files must be an object/));
    await assert.rejects(loadBundle(bundle({ 'manifest.json': manifest({}, { itemFactors: 7 }) })), isCode('ERR_MODEL_FORMAT', /files\.itemFactors must be a file name/));
    await assert.rejects(loadBundle(bundle({ 'manifest.json': manifest({}, { items: 'items\0.tsv' }) })), isCode('ERR_MODEL_FORMAT', /files\.items/));
  });

  test('manifest files outside the bundle directory are refused before anything is read', async () => {
    const outside = path.join(tmp, 'outside.npy');
    fs.writeFileSync(outside, encodeNpy(Float32Array.of(1, 2), [1, 2]));
    await assert.rejects(loadBundle(bundle({ 'manifest.json': manifest({}, { itemFactors: '../outside.npy' }) })), isCode('ERR_MODEL_FORMAT', /inside the bundle directory/));
    await assert.rejects(loadBundle(bundle({ 'manifest.json': manifest({}, { itemFactors: outside }) })), isCode('ERR_MODEL_FORMAT', /inside the bundle directory/));
  });

  test('tags.json that is not JSON, or holds a non-object tag model: ERR_MODEL_FORMAT (was a SyntaxError / TypeError)', async () => {
    await assert.rejects(loadBundle(bundle({ 'manifest.json': manifest(), 'tags.json': '{"factors": 2, "tags": [' })), isCode('ERR_MODEL_FORMAT', /tags\.json is not JSON/));
    await assert.rejects(loadBundle(bundle({ 'manifest.json': manifest(), 'tags.json': '{"factors":2,"tags":[null]}' })), isCode('ERR_MODEL_FORMAT', /2-factor tag models/));
    await assert.rejects(loadBundle(bundle({ 'manifest.json': manifest(), 'tags.json': 'null' })), isCode('ERR_MODEL_FORMAT', /2-factor tag models/));
  });
});

describe('seed corpora and regression inputs replayed through the JavaScript fuzz targets', () => {
  const { targets } = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'fuzz', 'targets.json'), 'utf8')) as { targets: { name: string; kind: string }[] };
  for (const t of targets.filter((x) => x.kind === 'js')) {
    test(t.name, async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const target = require(path.join(repoRoot(), 'dist', 'fuzz', 'js', `${t.name}.fuzz.js`)) as { fuzz(data: Buffer): void | Promise<void> };
      const dir = path.join(repoRoot(), 'fuzz', 'corpus', t.name);
      const seeds = fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
      assert.ok(seeds.length >= 3, `${dir} holds ${seeds.length} seeds`);
      // and the inputs of fixed findings, as scripts/fuzz.mjs seeds them
      const found = path.join(repoRoot(), 'fuzz', 'regressions', t.name);
      const regressions = fs.existsSync(found) ? fs.readdirSync(found).filter((f) => !f.startsWith('.')).sort() : [];
      for (const s of [...seeds.map((f) => path.join(dir, f)), ...regressions.map((f) => path.join(found, f))]) {
        try {
          await target.fuzz(fs.readFileSync(s));
        } catch (err) {
          assert.fail(`fuzz target ${t.name}, input ${path.relative(repoRoot(), s)}: ${err instanceof Error ? err.stack : String(err)}`);
        }
      }
    });
  }
});

describe('native fuzz harnesses replay their regression inputs and seeds (g++, ASan + UBSan, no libFuzzer)', () => {
  type NativeTarget = { name: string; kind: string; sources: string[]; include: string[] };
  const root = repoRoot();
  const { targets } = JSON.parse(fs.readFileSync(path.join(root, 'fuzz', 'targets.json'), 'utf8')) as { targets: NativeTarget[] };
  const cxx = spawnSync('sh', ['-c', 'command -v g++'], { encoding: 'utf8' }).stdout.trim();
  const inputs = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort().map((f) => path.join(dir, f)) : []);
  for (const t of targets.filter((x) => x.kind === 'native')) {
    test(t.name, (tt) => {
      if (!cxx) return tt.skip('g++ is not installed');
      const exe = path.join(tmp, `replay-${t.name}`);
      // float-cast-overflow: GCC's -fsanitize=undefined leaves out the out-of-range double -> integer check clang has.
      const build = spawnSync(
        cxx,
        ['-std=c++17', '-O1', '-g', '-Wno-psabi', '-fsanitize=address,undefined,float-cast-overflow', '-fno-sanitize-recover=all', ...t.include.map((d) => `-I${d}`),
          '-o', exe, `fuzz/native/${t.name}.cc`, 'fuzz/native/replay_main.cc', ...t.sources, '-pthread'],
        { cwd: root, encoding: 'utf8' },
      );
      assert.equal(build.status, 0, `building the ${t.name} replay binary failed:\n${build.stderr}`);
      const files = [...inputs(path.join(root, 'fuzz', 'regressions', t.name)), ...inputs(path.join(root, 'fuzz', 'corpus', t.name))];
      assert.ok(files.length >= 3, `${t.name}: ${files.length} inputs`);
      const r = spawnSync(exe, files, { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'print_stacktrace=1' } });
      assert.equal(r.status, 0, `${t.name} replay failed (exit ${r.status ?? r.signal}):\n${r.stderr.slice(-3000)}`);
    });
  }
});
