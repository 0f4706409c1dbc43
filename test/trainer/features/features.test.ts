/**
 * earshot-train features end to end on a generated 24-song world (4-s clips) plus a 44.1-kHz stereo
 * clip in a subfolder and two undecodable files: the store equals the library's own computeMel /
 * mfccWithDeltas output (mel within float16 rounding, MFCC exactly), the index tiles the arrays,
 * failures are listed and do not stop the run, resuming skips finished shards, a rerun with more clips
 * computes only the new ones, the reader refuses damaged stores, and usage errors exit 2.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loadAudio } from '../../../src/audio/load';
import { computeMel } from '../../../src/dsp/mel';
import { mfccWithDeltas } from '../../../src/dsp/mfcc';
import { EarshotError } from '../../../src/errors';
import { fromHalfBits, toHalfBits } from '../../../src/io/float16';
import { readNpy } from '../../../src/io/npy';
import { extractClip } from '../../../trainer/features/extract';
import { encodeShard, shardFileName } from '../../../trainer/features/shard';
import { openFeatureStore } from '../../../trainer/features/store';
import { generateWorld } from '../../../trainer/world/generate';
import { makeWav } from '../../helpers/wav-writer';
import type { FeaturesSummary } from '../../../trainer/features/run-features';
import { distPath } from '../../helpers/shared';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-features-'));
const worldAudio = path.join(tmp, 'world', 'audio');
const mixed = path.join(tmp, 'mixed'); // the world's clips + sub/tone44k.wav + two broken files

type Summary = FeaturesSummary;

async function features(...args: string[]): Promise<{ summary: Summary; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, [CLI, 'features', '--threads', '2', '--json', ...args]);
  return { summary: JSON.parse(stdout.trim()) as Summary, stderr };
}

async function fails(args: string[]): Promise<{ code: number; stderr: string }> {
  const err = await run(process.execPath, [CLI, 'features', ...args]).then(() => null, (e: { code: number; stderr: string }) => e);
  assert.ok(err, `features ${args.join(' ')} should fail`);
  return err;
}

const isCode = (code: string) => (e: unknown) => e instanceof EarshotError && e.code === code;

before(async () => {
  await generateWorld({ songs: 24, users: 30, seed: 7, clipSeconds: 4, threads: 2, out: path.join(tmp, 'world') });
  fs.mkdirSync(path.join(mixed, 'sub'), { recursive: true });
  for (const f of fs.readdirSync(worldAudio)) fs.copyFileSync(path.join(worldAudio, f), path.join(mixed, f));
  // 2.5 s of a 440 Hz / 660 Hz stereo pair at 44.1 kHz: exercises downmix and resampling.
  const n = 110250;
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / 44100)), Math.round(9000 * Math.sin((2 * Math.PI * 660 * i) / 44100)));
  fs.writeFileSync(path.join(mixed, 'sub', 'tone44k.wav'), makeWav({ encoding: 's16', channels: 2, sampleRateHz: 44100, values }));
  fs.writeFileSync(path.join(mixed, 'broken.wav'), Buffer.from('RIFF\x10\x00\x00\x00WAVEjunkjunkjunk', 'latin1'));
  fs.writeFileSync(path.join(mixed, 'readme.txt'), 'not audio: ignored');
  fs.writeFileSync(path.join(mixed, 'zz-short.wav'), makeWav({ encoding: 's16', channels: 1, sampleRateHz: 22050, values: new Array(1000).fill(100) }));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('earshot-train features', () => {
  test('packs every decodable clip: mel = computeMel within float16 rounding, MFCC exact, index tiles the arrays', async () => {
    const out = path.join(tmp, 'store-mixed');
    const { summary, stderr } = await features('--audio', mixed, '--out', out);
    assert.equal(summary.listed, 27, '24 world clips + sub/tone44k.wav + broken.wav + zz-short.wav (readme.txt ignored)');
    assert.deepEqual([summary.clips, summary.computed, summary.skipped, summary.failed], [25, 25, 0, 2]);
    assert.match(stderr, /features: 27\/27 clips {2}[\d.]+ clips\/s {2}ETA 0 s {2}2 failed/);

    const failed = fs.readFileSync(path.join(out, 'failed.tsv'), 'utf8').trimEnd().split('\n');
    assert.equal(failed[0], 'path\terror');
    assert.deepEqual(failed.slice(1).map((l) => path.basename(l.split('\t')[0])), ['broken.wav', 'zz-short.wav']);
    assert.match(failed[2], /delta needs at least width=9 frames/);
    assert.ok(!fs.existsSync(path.join(out, 'shards')), 'shards are deleted once packed');
    assert.deepEqual(fs.readdirSync(out).sort(), ['failed.tsv', 'features.json', 'index.tsv', 'mel.npy', 'mfcc.npy']);

    const store = openFeatureStore(out);
    try {
      assert.equal(store.ids.length, 25);
      assert.deepEqual([...store.ids], [...store.ids].sort());
      assert.ok(store.ids.includes('tone44k'));
      assert.equal(store.melBands, 128);
      assert.equal(store.mfccWidth, 39);
      assert.equal(store.manifest.mfcc.nMfcc, 13);
      assert.equal(store.manifest.failures, 2);
      // The index tiles [0, totalFrames) in order, and the .npy shapes hold exactly that many rows.
      let next = 0;
      for (const id of store.ids) {
        const c = store.clip(id);
        assert.equal(c.startFrame, next, id);
        next += c.frames;
      }
      assert.equal(next, store.totalFrames);
      assert.equal(summary.totalFrames, next);
      const melHeader = readNpy(path.join(out, 'mel.npy'));
      assert.deepEqual([melHeader.descr, ...melHeader.shape], ['<f2', next, 128]);

      for (const id of store.ids) {
        const c = store.clip(id);
        const audio = await loadAudio(c.path);
        const spec = computeMel(audio.samples);
        const mel = store.melOf(id);
        assert.equal(c.frames, spec.frames, id);
        assert.equal(c.seconds, audio.durationS, id);
        for (let i = 0; i < mel.length; i++) {
          const want = spec.data[i];
          // Exactly the float16 nearest the library's value, hence within 2^-11 of it, relatively.
          if (mel[i] !== fromHalfBits(toHalfBits(want)) || Math.abs(mel[i] - want) > Math.max(Math.abs(want) * 2 ** -11, 2 ** -25)) {
            assert.fail(`${id}[${i}]: stored ${mel[i]}, computeMel ${want}`);
          }
        }
        assert.deepEqual(store.mfccOf(id), mfccWithDeltas(spec).data, id);
        // Windows read by offset are the same rows.
        const w = store.melWindow(id, 10, 50);
        assert.deepEqual(w, mel.subarray(10 * 128, 60 * 128));
        const into = new Float32Array(50 * 39);
        assert.equal(store.mfccWindow(id, 10, 50, into), into);
        assert.deepEqual(into, store.mfccOf(id).subarray(10 * 39, 60 * 39));
      }
      assert.equal(store.clip('tone44k').seconds, 2.5);
      const first = store.ids[0];
      assert.throws(() => store.melWindow(first, store.frames(first) - 5, 10), isCode('ERR_INVALID_ARGUMENT'));
      assert.throws(() => store.melOf('nope'), /no clip "nope"/);
    } finally {
      store.close();
    }
    assert.throws(() => store.melOf(store.ids[0]), /closed/);
  });

  test('numpy memory-maps the packed arrays', async (t) => {
    const out = path.join(tmp, 'store-mixed');
    const script = [
      'import json, numpy as np, sys',
      `m = np.load(sys.argv[1] + '/mel.npy', mmap_mode='r'); f = np.load(sys.argv[1] + '/mfcc.npy', mmap_mode='r')`,
      'print(json.dumps([type(m).__name__, str(m.dtype), list(m.shape), str(f.dtype), list(f.shape), float(m[3, 5]), float(f[7, 2])]))',
    ].join('\n');
    let stdout: string;
    try {
      ({ stdout } = await run('python3', ['-c', script, out]));
    } catch (err) {
      t.skip(`python3 with numpy not available: ${(err as Error).message.split('\n')[0]}`);
      return;
    }
    const store = openFeatureStore(out);
    try {
      const first = store.ids[0];
      assert.deepEqual(JSON.parse(stdout), ['memmap', 'float16', [store.totalFrames, 128], 'float32', [store.totalFrames, 39], store.melOf(first)[3 * 128 + 5], store.mfccOf(first)[7 * 39 + 2]]);
    } finally {
      store.close();
    }
  });

  test('resume: finished shards are skipped, a truncated one and leftover temporaries are redone; result equals a fresh run', async () => {
    const fresh = path.join(tmp, 'store-fresh');
    assert.equal((await features('--audio', worldAudio, '--out', fresh)).summary.computed, 24);

    // An interrupted run: 10 complete shards, one cut short, one temporary from an unfinished rename.
    const out = path.join(tmp, 'store-resumed');
    const shards = path.join(out, 'shards');
    fs.mkdirSync(shards, { recursive: true });
    const clips = fs.readdirSync(worldAudio).sort();
    for (const f of clips.slice(0, 11)) {
      const p = path.join(worldAudio, f);
      const id = path.parse(f).name;
      const bytes = encodeShard(id, p, await extractClip(p));
      fs.writeFileSync(path.join(shards, shardFileName(id)), f === clips[10] ? bytes.subarray(0, bytes.length - 100) : bytes);
    }
    fs.writeFileSync(path.join(shards, `${shardFileName('SO000012')}.1234.abc.tmp`), 'half');
    const { summary } = await features('--audio', worldAudio, '--out', out);
    assert.deepEqual([summary.computed, summary.skipped, summary.skippedShards, summary.clips], [14, 10, 10, 24]);
    for (const f of ['mel.npy', 'mfcc.npy', 'index.tsv', 'failed.tsv']) {
      assert.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(fresh, f))), `${f} equals the uninterrupted run's`);
    }
    assert.ok(!fs.existsSync(shards));
  });

  test('a rerun with more clips (a list file) computes only the new ones; an identical rerun computes nothing', async () => {
    const out = path.join(tmp, 'store-resumed');
    const before = openFeatureStore(out);
    const oldMel = before.melOf('SO000005');
    before.close();
    const list = path.join(tmp, 'list.txt');
    const names = fs.readdirSync(worldAudio).sort().map((f) => `world/audio/${f}`);
    fs.writeFileSync(list, ['# the world, then one more', ...names, '', 'mixed/sub/tone44k.wav'].join('\n') + '\n');
    const grown = (await features('--audio', list, '--out', out)).summary;
    assert.deepEqual([grown.computed, grown.skippedPacked, grown.skippedShards, grown.clips, grown.failed], [1, 24, 0, 25, 0]);
    const store = openFeatureStore(out);
    try {
      assert.deepEqual(store.melOf('SO000005'), oldMel, 'carried-over rows are copied unchanged');
      assert.equal(store.frames('tone44k'), Math.floor((2.5 * 22050) / 512) + 1);
      assert.equal(store.manifest.audio.kind, 'list');
    } finally {
      store.close();
    }
    const melBytes = fs.readFileSync(path.join(out, 'mel.npy'));
    const again = (await features('--audio', list, '--out', out)).summary;
    assert.deepEqual([again.computed, again.skipped, again.clips], [0, 25, 25]);
    assert.ok(fs.readFileSync(path.join(out, 'mel.npy')).equals(melBytes));
    openFeatureStore(out).close();
  });

  test('the reader refuses incomplete and damaged stores with ERR_FEATURE_STORE', () => {
    const src = path.join(tmp, 'store-fresh');
    const copy = (name: string) => {
      const d = path.join(tmp, name);
      fs.cpSync(src, d, { recursive: true });
      return d;
    };
    const a = copy('bad-truncated');
    fs.truncateSync(path.join(a, 'mel.npy'), fs.statSync(path.join(a, 'mel.npy')).size - 256);
    assert.throws(() => openFeatureStore(a), (e: unknown) => isCode('ERR_FEATURE_STORE')(e) && /mel\.npy: \d+ bytes, expected \d+.*truncated/.test((e as Error).message));
    const b = copy('bad-no-manifest');
    fs.rmSync(path.join(b, 'features.json'));
    assert.throws(() => openFeatureStore(b), /no features\.json .* has not finished/);
    const c = copy('bad-index');
    const idx = fs.readFileSync(path.join(c, 'index.tsv'), 'utf8').split('\n');
    idx[3] = idx[3].replace(/\t(\d+)\t/, (_, s: string) => `\t${Number(s) + 1}\t`);
    fs.writeFileSync(path.join(c, 'index.tsv'), idx.join('\n'));
    assert.throws(() => openFeatureStore(c), /line 4: clip SO000003 starts at frame \d+, expected \d+/);
    const d = copy('bad-dtype');
    fs.copyFileSync(path.join(d, 'mfcc.npy'), path.join(d, 'mel.npy'));
    assert.throws(() => openFeatureStore(d), /dtype '<f4', the manifest says '<f2'/);
    const e = copy('bad-version');
    const m = JSON.parse(fs.readFileSync(path.join(e, 'features.json'), 'utf8'));
    fs.writeFileSync(path.join(e, 'features.json'), JSON.stringify({ ...m, version: 99 }));
    assert.throws(() => openFeatureStore(e), /version 99 is not supported/);
  });

  test('usage errors exit 2 with the problem named; all clips failing exits 1', async () => {
    let r = await fails(['--out', path.join(tmp, 'x')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--audio is required/);
    fs.mkdirSync(path.join(tmp, 'empty'));
    fs.writeFileSync(path.join(tmp, 'empty', 'notes.txt'), 'no audio here');
    r = await fails(['--audio', path.join(tmp, 'empty'), '--out', path.join(tmp, 'x')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no audio files \(\.wav \.flac \.mp3 \.ogg \.opus \.m4a\) in .*empty.* \[ERR_INVALID_ARGUMENT\]/);
    r = await fails(['--audio', path.join(tmp, 'nowhere'), '--out', path.join(tmp, 'x')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /does not exist/);
    r = await fails(['--audio', worldAudio, '--out', path.join(tmp, 'x'), '--threads', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /threads must be an integer in 1\.\.1024/);

    fs.mkdirSync(path.join(tmp, 'all-bad'));
    fs.writeFileSync(path.join(tmp, 'all-bad', 'a.wav'), 'nope');
    fs.writeFileSync(path.join(tmp, 'all-bad', 'b.wav'), '');
    const out = path.join(tmp, 'store-all-bad');
    r = await fails(['--audio', path.join(tmp, 'all-bad'), '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /all 2 clips failed .*failed\.tsv \[ERR_ALL_CLIPS_FAILED\]/);
    assert.equal(fs.readFileSync(path.join(out, 'failed.tsv'), 'utf8').trimEnd().split('\n').length, 3);
    assert.ok(!fs.existsSync(path.join(out, 'features.json')));
  });
});
