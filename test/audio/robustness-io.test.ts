// Part 2 of 2: memory layouts and streaming, WAV headers, the CLI.
// Robustness of the foundation against hostile or absurd input: the raw addon, the typed wrappers,
// WAV headers and the CLI. The contract: bad input gets a clear error naming the problem, never a
// crash, a hang, an absurd allocation or lost data. Cases that could kill the process run in a child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { computeMel, computeMelAsync, MelStream } from '../../src/dsp/mel';
import { delta, mfcc } from '../../src/dsp/mfcc';
import { nativeAddon, type NativeMelConfig } from '../../src/native/addon';
import { resample, StreamResampler } from '../../src/audio/resample';
import { parseWav } from '../../src/audio/wav';
import { loadAudio } from '../../src/audio/load';
import { readNpy } from '../../src/io/npy';
import { EarshotError, type EarshotErrorCode } from '../../src/errors';
import { closedFormValues, makeWav, type WavSpec } from '../helpers/wav-writer';
import { CFG, CLI, DIST_SRC, concat, runChild, signal, throwsCode, tmp } from '../helpers/robustness';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Memory layouts and the stream's zero-copy views.

test('SharedArrayBuffer-backed and unaligned-offset views give the same result as a plain copy', () => {
  const x = signal(22050);
  const ref = computeMel(x).data;
  const sab = new SharedArrayBuffer(x.byteLength + 64);
  for (const off of [0, 4, 12, 20, 36]) {
    const shared = new Float32Array(sab, off, x.length);
    shared.set(x);
    assert.deepEqual(computeMel(shared).data, ref, `SAB offset ${off}`);
    const plain = new Float32Array(new ArrayBuffer(x.byteLength + 64), off, x.length);
    plain.set(x);
    assert.deepEqual(computeMel(plain).data, ref, `offset ${off}`);
    const s = new MelStream();
    assert.deepEqual(concat([s.push(plain.subarray(0, 7001)), s.push(plain.subarray(7001)), s.flush()]), ref, `stream offset ${off}`);
  }
  const s = new MelStream();
  const view = new Float32Array(sab, 4, x.length);
  view.set(x);
  assert.deepEqual(concat([s.push(view.subarray(0, 1001)), s.push(view.subarray(1001)), s.flush()]), ref);
  const r = new StreamResampler(22050, 16000);
  assert.deepEqual(concat([r.process(view), r.flush()]), resample(x, 22050, 16000));
});

test('zero-length pushes emit nothing and change nothing', () => {
  const x = signal(5000);
  const s = new MelStream();
  assert.equal(s.push(new Float32Array(0)).length, 0);
  assert.equal(s.push(x.subarray(10, 10)).length, 0);
  assert.equal(s.samplesPushed, 0);
  const parts = [s.push(x.subarray(0, 2000)), s.push(new Float32Array(0)), s.push(x.subarray(2000)), s.push(new Float32Array(0)), s.flush()];
  assert.deepEqual(concat(parts), computeMel(x).data);
  // A stream flushed without any audio holds the batch result of an empty signal: one silent frame.
  const empty = new MelStream();
  assert.deepEqual(empty.flush(), nativeAddon().melBatch(new Float32Array(0), { ...CFG }));
});

test('push after flush is a coded error; reset makes the stream usable again', () => {
  const x = signal(4096);
  const s = new MelStream();
  s.push(x);
  s.flush();
  throwsCode(() => s.push(x), 'ERR_INVALID_ARGUMENT', /flushed; call reset\(\)/);
  throwsCode(() => s.push(new Float32Array(0)), 'ERR_INVALID_ARGUMENT', /flushed/);
  assert.equal(s.flush().length, 0, 'a second flush emits nothing');
  s.reset();
  assert.deepEqual(concat([s.push(x), s.flush()]), computeMel(x).data);
});

test('lastFrames views stay readable after reset, flush and garbage collection of the stream', () => {
  const r = runChild(`
    const { MelStream, computeMel } = require(DIST_SRC + '/dsp/mel.js');
    const x = new Float32Array(30000).map((_, i) => Math.sin(i * 0.05));
    const ref = computeMel(x).data;
    let s = new MelStream({ historyFrames: 20 });
    s.push(x);
    const tail = s.flush();
    const n = s.framesEmitted;
    const v = s.lastFrames(20);
    const sameAsBatch = v.every((q, i) => q === ref[(n - 20) * 128 + i]);
    const copy = v.slice();
    s = null;  // only the view keeps the ring alive now
    (async () => {
      for (let i = 0; i < 10; i++) { gc(); await new Promise((r) => setImmediate(r)); new Float32Array(1 << 20).fill(7); }
      const intact = v.every((q, i) => q === copy[i]);
      const s2 = new MelStream({ historyFrames: 5 });
      s2.push(x);
      const w = s2.lastFrames(5);
      s2.reset();
      const zeroed = w.every((q) => q === 0);
      s2.push(x);
      console.log(JSON.stringify({ sameAsBatch, intact, zeroed, tail: tail.length, again: s2.lastFrames(5).length }));
    })();
  `, ['--expose-gc']);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { sameAsBatch: true, intact: true, zeroed: true, tail: 1 * 128, again: 5 * 128 });
});

test('computeMelAsync: 40 concurrent calls with mixed options and failures all settle correctly', async () => {
  const x = signal(30000);
  const bad = signal(3000);
  bad[1234] = NaN;
  const jobs: Array<Promise<unknown>> = [];
  const expect: Array<Float32Array | EarshotErrorCode> = [];
  for (let i = 0; i < 40; i++) {
    const opts = { nMels: 16 + i, hopSamples: 256 + 16 * i, nFft: i % 2 ? 1024 : 2048 };
    if (i % 10 === 3) {
      jobs.push(computeMelAsync(bad, opts).catch((e: EarshotError) => e.code));
      expect.push('ERR_NOT_FINITE');
    } else if (i % 10 === 7) {
      jobs.push(computeMelAsync(x, { ...opts, nFft: 1000 }).catch((e: EarshotError) => e.code));
      expect.push('ERR_INVALID_ARGUMENT');
    } else {
      jobs.push(computeMelAsync(x.subarray(i * 100), opts).then((s) => s.data));
      expect.push(computeMel(x.subarray(i * 100), opts).data);
    }
  }
  const got = await Promise.all(jobs);
  for (let i = 0; i < got.length; i++) assert.deepEqual(got[i], expect[i], `job ${i}`);
});

// ---------------------------------------------------------------------------------------------
// WAV headers with absurd values.

const base: WavSpec = { encoding: 's16', channels: 1, sampleRateHz: 22050, values: closedFormValues('s16', 64) };

test('WAV: absurd header values are format or truncation errors naming the value', () => {
  // data chunk declaring 4 GiB - 2 bytes on a 128-byte body
  throwsCode(() => parseWav(makeWav({ ...base, declaredDataBytes: 0xfffffffe })), 'ERR_AUDIO_TRUNCATED', /declares 4294967294 bytes.*after 128 bytes/);
  // RF64 ds64 promising 2^52 bytes
  throwsCode(() => parseWav(makeWav({ ...base, rf64: true, declaredDataBytes: 2 ** 52 })), 'ERR_AUDIO_TRUNCATED', /4503599627370496/);
  // fmt chunk size 0xFFFFFFFF
  const wav = makeWav(base);
  const hugeFmt = Uint8Array.from(wav);
  new DataView(hugeFmt.buffer).setUint32(16, 0xffffffff, true);
  throwsCode(() => parseWav(hugeFmt), 'ERR_AUDIO_FORMAT', /"fmt " chunk declares 4294967295 bytes/);
  // an unknown chunk claiming 4 GiB before fmt: skipped by counting, then the input ends
  const junk = Uint8Array.from([...wav.subarray(0, 12), 0x4a, 0x55, 0x4e, 0x4b, 0xfe, 0xff, 0xff, 0xff, ...wav.subarray(12)]);
  throwsCode(() => parseWav(junk), 'ERR_AUDIO_TRUNCATED', /no data chunk reached/);
  throwsCode(() => parseWav(makeWav({ ...base, fmt: { channels: 0 } })), 'ERR_AUDIO_FORMAT', /0 channels/);
  throwsCode(() => parseWav(makeWav({ ...base, fmt: { blockAlign: 0 } })), 'ERR_AUDIO_FORMAT', /block align is 0/);
  throwsCode(() => parseWav(makeWav({ ...base, fmt: { blockAlign: 65535 } })), 'ERR_AUDIO_FORMAT', /block align is 65535/);
  throwsCode(() => parseWav(makeWav({ ...base, fmt: { bitsPerSample: 0 } })), 'ERR_AUDIO_FORMAT', /0 bits/);
  // ds64 body shorter than its two u64 sizes
  const rf = makeWav({ ...base, rf64: true });
  const shortDs64 = Uint8Array.from([...rf.subarray(0, 12), 0x64, 0x73, 0x36, 0x34, 4, 0, 0, 0, 0, 0, 0, 0]);
  throwsCode(() => parseWav(shortDs64), 'ERR_AUDIO_FORMAT', /ds64 chunk is 4 bytes/);
});

test('loadAudio: a 4 GiB data claim on a small file names the file; a 1 Hz WAV is refused before resampling, 4 kHz is resampled', async () => {
  const liar = path.join(tmp, 'liar.wav');
  fs.writeFileSync(liar, makeWav({ ...base, declaredDataBytes: 0xfffffffe }));
  await assert.rejects(loadAudio(liar), (e: EarshotError) => e.code === 'ERR_AUDIO_TRUNCATED' && e.message.includes('liar.wav'));
  // Resampling 1 Hz to 22,050 Hz multiplies the samples by 22,050 (issue 13: a 44-KB upload became 2 GB).
  const slow = path.join(tmp, 'one-hz.wav');
  fs.writeFileSync(slow, makeWav({ ...base, sampleRateHz: 1, values: [0, 1000, -1000, 0] }));
  await assert.rejects(loadAudio(slow), (e: EarshotError) => e.code === 'ERR_AUDIO_FORMAT' && /one-hz\.wav" has a sample rate of 1 Hz; supported: 4000\.\.768000 Hz/.test(e.message));
  const low = path.join(tmp, 'four-khz.wav');
  fs.writeFileSync(low, makeWav({ ...base, sampleRateHz: 4000, values: [0, 1000, -1000, 0] }));
  const a = await loadAudio(low);
  assert.equal(a.sourceRateHz, 4000);
  assert.equal(a.samples.length, Math.ceil((4 * 22050) / 4000));
  assert.ok(a.samples.every(Number.isFinite));
});

// ---------------------------------------------------------------------------------------------
// The CLI never leaves a partial .npy and never destroys an existing one.

function pcmWav(seconds: number): Buffer {
  const values = Array.from({ length: Math.round(22050 * seconds) }, (_, i) => Math.round(10000 * Math.sin(0.05 * i)));
  return Buffer.from(makeWav({ ...base, values }));
}

async function cliFails(args: string[], code: number, re: RegExp, shell?: string): Promise<void> {
  const p = shell
    ? run('bash', ['-c', `${shell}; exec "$0" "$@"`, process.execPath, CLI, ...args])
    : run(process.execPath, [CLI, ...args]);
  await assert.rejects(p, (e: { code: number; stderr: string }) => {
    assert.equal(e.code, code, `${args.join(' ')}: ${e.stderr}`);
    assert.match(e.stderr, re);
    assert.doesNotMatch(e.stderr, /\n\s+at /, 'no stack trace');
    return true;
  });
}

test('CLI: output in a missing directory or under a file is ERR_IO and writes nothing', async () => {
  const wav = path.join(tmp, 'cli-in.wav');
  fs.writeFileSync(wav, pcmWav(1));
  await cliFails(['mel', wav, '--out', path.join(tmp, 'no', 'such', 'dir', 'x.npy')], 1, /no\/such\/dir\/x\.npy.*ENOENT \[ERR_IO\]/);
  await cliFails(['mel', wav, '--out', path.join(wav, 'x.npy')], 1, /ENOTDIR \[ERR_IO\]/);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'no temporary left behind');
});

test('CLI: a write that fails midway (file size limit) leaves no partial .npy and keeps the previous file', async () => {
  const wav = path.join(tmp, 'cli-big.wav');
  fs.writeFileSync(wav, pcmWav(5)); // 216 frames x 128 x 4 bytes = 110 KB of .npy
  const fresh = path.join(tmp, 'fresh.npy');
  await cliFails(['mel', wav, '--out', fresh], 1, /fresh\.npy.*\[ERR_IO\]/, 'ulimit -f 50');
  assert.ok(!fs.existsSync(fresh), 'no truncated .npy');
  const kept = path.join(tmp, 'kept.npy');
  await run(process.execPath, [CLI, 'mel', wav, '--out', kept]);
  const before = fs.readFileSync(kept);
  await cliFails(['mel', wav, '--out', kept, '--n-mels', '64'], 1, /kept\.npy.*\[ERR_IO\]/, 'ulimit -f 50');
  assert.deepEqual(fs.readFileSync(kept), before, 'the previous output survives a failed overwrite');
  assert.deepEqual(readNpy(kept).shape, [216, 128]);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'no temporary left behind');
});

test('CLI: writing to a device works and does not replace it; a bad option is reported before decoding', async () => {
  const wav = path.join(tmp, 'cli-dev.wav');
  fs.writeFileSync(wav, pcmWav(1));
  await run(process.execPath, [CLI, 'mel', wav, '--out', '/dev/null']);
  assert.ok(fs.statSync('/dev/null').isCharacterDevice());
  // The option error wins over the missing input: options are checked before any audio is read.
  await cliFails(['mel', path.join(tmp, 'missing.wav'), '--out', path.join(tmp, 'o.npy'), '--n-fft', '1000'], 2, /nFft must be a power of two.*\[ERR_INVALID_ARGUMENT\]/);
  await cliFails(['mel', wav, '--out', path.join(tmp, 'o.npy'), '--sr', '0'], 2, /sampleRateHz.*\[ERR_INVALID_ARGUMENT\]/);
  assert.ok(!fs.existsSync(path.join(tmp, 'o.npy')));
});
