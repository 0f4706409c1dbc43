// earshot-train wmf + eval end to end on real listening data (Last.fm HetRec 2011 and the Taste
// Profile sample in ../shared). Measured when written (2026-11-24, 32 factors, 10 iterations, paper
// defaults alpha 2, eps 1e-6, lambda 1e-5): HetRec interaction holdout AUC 0.887, mAP@500 0.149 (0.148 with
// the float32 CG solver of issue 17); random
// AUC 0.503. The margins below catch a broken solver (random factors score AUC ~0.5, mAP ~0.0005).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readNpy } from '../../../src/io/npy';
import { sharedOrSkip, distPath } from '../../helpers/shared';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-wmf-'));

test('HetRec Last.fm: interaction-holdout AUC far above random, model files as documented', async (t) => {
  const input = sharedOrSkip(t, 'data/lastfm-2k/user_artists.dat');
  if (!input) return;
  const out = path.join(tmp, 'hetrec');
  const { stdout } = await run(process.execPath, [CLI, 'wmf', '--input', input, '--format', 'hetrec', '--holdout', 'interactions', '--factors', '32', '--iterations', '10', '--out', out, '--json']);
  const s = JSON.parse(stdout.trim());
  assert.equal(s.users, 1892);
  assert.equal(s.items, 17632);
  assert.equal(s.nnz, 92834);
  assert.equal(s.trainNnz + s.testNnz, 92834);
  const uf = readNpy(path.join(out, 'user_factors.npy'));
  const itf = readNpy(path.join(out, 'item_factors.npy'));
  assert.deepEqual(uf.shape, [1892, 32]);
  assert.deepEqual(itf.shape, [17632, 32]);
  assert.equal(fs.readFileSync(path.join(out, 'items.txt'), 'utf8').trim().split('\n').length, 17632);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'wmf.json'), 'utf8'));
  assert.match(manifest.input.sha256, /^[0-9a-f]{64}$/);
  assert.equal(manifest.iterations.length, 10);

  const ev = JSON.parse((await run(process.execPath, [CLI, 'eval', '--model', out, '--test', path.join(out, 'test.tsv'), '--json'])).stdout.trim());
  assert.ok(ev.users > 1800, `${ev.users} users evaluated`);
  assert.ok(ev.wmf.auc > 0.85, `WMF AUC ${ev.wmf.auc}`);
  assert.ok(ev.wmf.map > 0.1, `WMF mAP@500 ${ev.wmf.map}`);
  assert.ok(Math.abs(ev.random.auc - 0.5) < 0.03, `random AUC ${ev.random.auc}`);
  assert.ok(ev.random.map < 0.01, `random mAP ${ev.random.map}`);
});

test('HetRec item cold start: held-out songs ranked, upper-bound row far above random', async (t) => {
  const input = sharedOrSkip(t, 'data/lastfm-2k/user_artists.dat');
  if (!input) return;
  const out = path.join(tmp, 'hetrec-cold');
  await run(process.execPath, [CLI, 'wmf', '--input', input, '--format', 'hetrec', '--holdout', 'cold-start', '--factors', '32', '--iterations', '10', '--out', out]);
  const ev = JSON.parse((await run(process.execPath, [CLI, 'eval', '--model', out, '--test', path.join(out, 'test.tsv'), '--json'])).stdout.trim());
  assert.equal(ev.setting, 'item-cold-start');
  // 20% of the 17,632 artists with plays are held out; only they are ranked.
  assert.ok(Math.abs(ev.candidates - 0.2 * 17632) < 10, `${ev.candidates} candidates`);
  assert.ok(ev.upperBound.auc > 0.95, `upper-bound AUC ${ev.upperBound.auc}`);
  assert.ok(Math.abs(ev.random.auc - 0.5) < 0.03, `random AUC ${ev.random.auc}`);
});

test('Taste Profile sample trains and evaluates; bad invocations fail with one clear line', async (t) => {
  const input = sharedOrSkip(t, 'data/taste-profile-sample/triplets.txt');
  if (!input) return;
  const out = path.join(tmp, 'tp');
  await run(process.execPath, [CLI, 'wmf', '--input', input, '--holdout', 'interactions', '--factors', '16', '--iterations', '5', '--out', out]);
  const ev = JSON.parse((await run(process.execPath, [CLI, 'eval', '--model', out, '--test', path.join(out, 'test.tsv'), '--json'])).stdout.trim());
  assert.equal(ev.users, 153);
  assert.ok(ev.wmf.auc >= 0 && ev.wmf.auc <= 1);
  const cases: Array<[string[], RegExp]> = [
    [['wmf', '--input', input, '--out', out], /exists and is not empty/],
    [['wmf', '--input', input, '--out', path.join(tmp, 'x'), '--factors', 'many'], /--factors must be an integer, got 'many'/],
    [['wmf', '--input', path.join(tmp, 'nope.tsv'), '--out', path.join(tmp, 'y')], /nope\.tsv/],
    [['eval', '--model', tmp, '--test', input], /wmf\.json is missing/],
  ];
  for (const [args, re] of cases) {
    await assert.rejects(run(process.execPath, [CLI, ...args]), (e: { stderr: string; code: number }) => {
      assert.match(e.stderr, re);
      assert.ok(e.code === 1 || e.code === 2);
      assert.doesNotMatch(e.stderr, /\n\s+at /);
      return true;
    });
  }
  assert.ok(!fs.existsSync(path.join(tmp, 'x')) && !fs.existsSync(path.join(tmp, 'y')), 'no output on failure');
});
