// earshot-train experiment end to end on a small generated world (small CNN, 2 epochs, a 60-word
// dictionary): every row of the report is computed, random sits near AUC 0.5, the upper bound above
// it, Figure 1 and the bundle are written, and the bundle loads in the engine. Its old name `bench`
// still runs it, with a deprecation note on stderr only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadBundle } from '../../../src/model/bundle';
import { generateWorld } from '../../../trainer/world/generate';
import { torchOrSkip } from '../../helpers/torch';
import { distPath } from '../../helpers/shared';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-experiment-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('experiment: all rows, report, Figure 1 and a loadable bundle', async (t) => {
  if (!torchOrSkip(t)) return;
  const world = path.join(tmp, 'world');
  await generateWorld({ songs: 80, users: 400, seed: 9, out: world, clipSeconds: 7, threads: 2 });
  const out = path.join(tmp, 'report');
  const bundle = path.join(tmp, 'bundle');
  const { stdout } = await run(process.execPath, [CLI, 'experiment', '--world', world, '--out', out, '--cnn', 'small', '--cnn-epochs', '2', '--k', '60', '--factors', '10', '--threads', '2', '--bundle', bundle], { env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
  assert.match(stdout, /report: /);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  const rows = new Map<string, { map: number; auc: number }>(report.rows.map((r: { name: string; map: number; auc: number }) => [r.name, r]));
  assert.deepEqual([...rows.keys()], ['random', 'bow-linear', 'bow-mlr', 'bow-mlp', 'cnn-mse', 'cnn-wpe', 'upper-bound']);
  for (const r of rows.values()) assert.ok(r.auc >= 0 && r.auc <= 1 && r.map >= 0 && r.map <= 1);
  assert.ok(Math.abs(rows.get('random')!.auc - 0.5) < 0.1, `random AUC ${rows.get('random')!.auc}`);
  assert.ok(rows.get('upper-bound')!.auc > rows.get('random')!.auc + 0.15, 'the upper bound is far above random');
  assert.deepEqual(report.missing, [], 'every row of Table 2 is computed, MLR included');
  const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /\| CNN, WPE objective \| 0\.\d{5} \| 0\.\d{4} \|/);
  assert.match(md, /\| metric learning to rank \(MLR[^|]*\| 0\.\d{5} \| 0\.\d{4} \|/);
  assert.ok(fs.statSync(path.join(out, 'figure1-tsne.png')).size > 1000);
  const b = await loadBundle(bundle);
  try {
    assert.equal(b.manifest.factors, 10);
    assert.equal(b.items.length, 80);
    assert.match(b.manifest.command, /^earshot-train experiment --world /);
    assert.ok(b.tags.length > 0 && b.tags.every((x) => x.weights.length === 10), 'tag models over the 10 factors');
  } finally {
    await b.close();
  }
});

test('experiment refuses bad arguments with the problem named', async () => {
  const fails = async (args: string[], re: RegExp) => {
    const err = await run(process.execPath, [CLI, 'experiment', ...args]).then(() => null, (e: { code: number; stderr: string }) => e);
    assert.ok(err);
    assert.equal(err.code, 2);
    assert.match(err.stderr, re);
  };
  await fails(['--out', tmp], /--world and --out are required/);
  await fails(['--world', tmp, '--out', tmp, '--rows', 'random,cnn-lstm'], /--rows must be a comma-separated list of random, bow-linear, .* or upper-bound, got 'cnn-lstm'/);
  await fails(['--world', tmp, '--out', tmp, '--cnn', 'huge'], /--cnn must be paper, compact or small/);
  await fails(['--world', tmp, '--out', tmp, '--rows', 'random', '--bundle', path.join(tmp, 'b')], /--bundle needs a CNN row/);
});

test("bench, the old name, runs experiment: same stdout and exit code, plus one note on stderr only", async () => {
  const NOTE = 'earshot-train bench is now earshot-train experiment; the old name goes in the next release\n';
  const both = async (args: string[]) => {
    const [now, old] = await Promise.all(['experiment', 'bench'].map((name) => runAny([name, ...args])));
    assert.equal(old.code, now.code, args.join(' '));
    assert.equal(old.stdout, now.stdout, `${args.join(' ')}: the same stdout`);
    assert.ok(old.stderr.startsWith(NOTE), old.stderr);
    assert.ok(!now.stderr.includes('is now'), now.stderr);
    assert.ok(!old.stdout.includes('is now'), 'never on stdout');
    return { now, old };
  };
  const help = await both(['--help']);
  assert.equal(help.old.code, 0);
  assert.match(help.old.stdout, /^usage: earshot-train experiment --world/);
  assert.equal(help.old.stderr, NOTE);
  const bad = await both(['--world', tmp, '--out', tmp, '--cnn', 'huge']);
  assert.equal(bad.old.code, 2);
  // The error line names the command as typed, as before the rename.
  assert.equal(bad.old.stderr.slice(NOTE.length), bad.now.stderr.replace('earshot-train experiment:', 'earshot-train bench:'));
  const list = await runAny(['--help']);
  assert.match(list.stdout, /\n {2}experiment +the paper's cold-start experiment/);
  assert.match(list.stdout, /'bench' is now 'experiment'/);
});

function runAny(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr }));
  });
}
