// `earshot serve --cnn-path stream|window` as a user runs it: the default bundle streams through its
// streaming pair unless told otherwise; the startup line and /metrics say which path runs; both paths cut
// the same windows (hop 1 s = 40 frames, begin.hop_s) and a real clip's stream ends with the same factors
// on each (the whole-window path is the reference, 1e-5); a bad value is a usage error (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { loadAudio } from '../../src/audio/load';
import type { WindowEvent } from '../../src/protocol';
import { TestStream } from '../helpers/engine-client';
import { earshot, EARSHOT_CLI } from '../helpers/earshot-cli';
import { sharedOrSkip } from '../helpers/shared';

/** Starts `earshot serve --json` with `args`; resolves with its listening line once it prints it. */
function serve(args: string[]): Promise<{ line: Record<string, unknown>; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [EARSHOT_CLI, 'serve', '--port', '0', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = JSON.parse(l) as Record<string, unknown>;
        if (m.type === 'listening') resolve({ line: m, stop: () => new Promise((done) => (child.once('close', () => done()), child.kill('SIGTERM'))) });
      }
    });
    child.once('close', (code) => reject(new Error(`earshot serve exited (${code}) before listening: ${err}`)));
  });
}

async function finalFactors(url: string, samples: Float32Array): Promise<{ begin: { hop_s: number }; final: WindowEvent }> {
  const s = await TestStream.open(url, 'encoding=pcm_f32le&sample_rate=22050&hop=1&factors=1&overflow=block');
  const begin = await s.next('begin');
  for (let i = 0; i < samples.length; i += 22050) s.sendF32(samples.subarray(i, i + 22050));
  s.send({ type: 'finalize' });
  const final = await s.next('final', 60_000);
  s.close();
  return { begin, final };
}

test('--cnn-path: stream by default (startup line, /metrics), window on request; same windows and the same factors on a real clip', async (t) => {
  const dir = sharedOrSkip(t, 'data/audio');
  if (!dir) return;
  const samples = (await loadAudio(path.join(dir, 'nexuiz-beast-of-insanity.ogg'), { sampleRateHz: 22050 })).samples;
  const results: Record<string, { begin: { hop_s: number }; final: WindowEvent }> = {};
  for (const [args, expected] of [[[], 'stream'], [['--cnn-path', 'window'], 'window'], [['--cnn-path', 'stream'], 'stream']] as const) {
    const srv = await serve([...args]);
    try {
      assert.equal(srv.line.cnnPath, expected, JSON.stringify(srv.line));
      assert.ok(String(srv.line.message).endsWith(`, CNN path ${expected})`), String(srv.line.message));
      const metrics = await (await fetch(`${srv.line.url}/metrics`)).text();
      assert.match(metrics, new RegExp(`^earshot_cnn_path\\{path="${expected}"\\} 1$`, 'm'));
      assert.match(metrics, new RegExp(`^earshot_cnn_path\\{path="${expected === 'stream' ? 'window' : 'stream'}"\\} 0$`, 'm'));
      results[args.join(' ') || 'default'] = await finalFactors(String(srv.line.url), samples);
    } finally {
      await srv.stop();
    }
  }
  const ref = results['--cnn-path window'];
  assert.ok(Math.abs(ref.begin.hop_s - (40 * 512) / 22050) < 1e-6, `hop_s ${ref.begin.hop_s}`);
  for (const key of ['default', '--cnn-path stream']) {
    const r = results[key];
    assert.equal(r.begin.hop_s, ref.begin.hop_s);
    assert.equal(r.final.windows, ref.final.windows);
    assert.ok(r.final.windows >= 28, `${r.final.windows} windows`);
    r.final.factors!.forEach((v, j) => assert.ok(Math.abs(v - ref.final.factors![j]) <= 1e-5, `${key}: factor ${j} ${v} vs ${ref.final.factors![j]}`));
    assert.deepEqual(r.final.suggestions.map((x) => x.id), ref.final.suggestions.map((x) => x.id));
  }
});

test('--cnn-path with another value is a usage error', async () => {
  const r = await earshot(['serve', '--cnn-path', 'fast', '--port', '0']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--cnn-path/);
});
