// earshot-train model killed (SIGKILL, as the OOM killer or a lost machine would) in its CNN stage after
// an epoch, then run again: the old bundle at --out stays whole and nothing half-written lies beside it;
// the rerun reuses the features and WMF (their files untouched), resumes the CNN after its last
// checkpointed epoch (the epochs before it are not trained again), and only then replaces the bundle.
// The data is a small generated world handed over through the same path as a user's (its plays.tsv, its
// audio folder, its own songs.tsv as the songs file: extra columns ignored), so the resumed bundle is also
// the "generated world through the model command" check: the engine serves it with the world's artists
// and titles.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Suggestion } from '../../../src/protocol';
import { startServer } from '../../../src/server/server';
import { DONE_FILE } from '../../../trainer/pipeline/stage-cache';
import { generateWorld } from '../../../trainer/world/generate';
import { readSongsTsv } from '../../../trainer/world/songs-tsv';
import { DEFAULT_BUNDLE } from '../../helpers/engine-client';
import { Proc } from '../../helpers/hosts';
import { distPath } from '../../helpers/shared';
import { torchOrSkip } from '../../helpers/torch';

const CLI = distPath('trainer', 'cli.js');
const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-model-resume-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 8 epochs of ~0.6 s each (24 windows per clip, 40 songs; patience 8: no early stop): time to kill after the first. */
const EPOCHS = 8;
const SLOW = ['--cnn', 'small', '--cnn-epochs', String(EPOCHS), '--patience', String(EPOCHS), '--windows-per-clip', '24', '--factors', '8', '--threads', '2'];

/** Every file of a folder, by relative path, with its bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  return new Map((fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

interface TrainingState { epochs: { epoch: number; trainLoss: number; validationLoss: number; seconds: number }[] }

test('killed in the CNN stage after an epoch: the old bundle stays whole; the rerun resumes the CNN and recomputes nothing before it', async (t) => {
  if (!torchOrSkip(t)) return;
  const world = path.join(tmp, 'world');
  await generateWorld({ songs: 40, users: 200, seed: 7, out: world, clipSeconds: 5, threads: 2 });
  // The bundle a previous run left at --out (here: the package's default model).
  const out = path.join(tmp, 'bundle');
  fs.cpSync(DEFAULT_BUNDLE, out, { recursive: true });
  const oldBundle = filesOf(out);
  const work = `${out}.work`;
  const args = [CLI, 'model', '--plays', path.join(world, 'plays.tsv'), '--audio', path.join(world, 'audio'), '--songs', path.join(world, 'songs.tsv'), '--out', out, '--json', ...SLOW];

  const first = new Proc('model', process.execPath, args, { env });
  try {
    await first.waitFor((l) => /^model: cnn epoch 1: /.test(l), 'the CNN\'s first epoch', 120_000);
  } finally {
    await first.stop('SIGKILL');
  }
  assert.equal((await first.exited).signal, 'SIGKILL', `killed before it finished; its output:\n${first.tail()}`);
  assert.ok(!first.lines.some((l) => /^model: cnn: computed/.test(l)), 'killed inside the CNN stage');

  // After the kill: the old bundle as it was, nothing half-written beside it, the CNN's checkpoint in its unfinished stage.
  assert.deepEqual(filesOf(out), oldBundle, 'the old bundle is intact');
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('bundle')).sort(), ['bundle', 'bundle.work']);
  const stageDir = (name: string) => path.join(work, fs.readdirSync(work).find((f) => f.startsWith(`${name}-`))!);
  const cnnDir = stageDir('cnn');
  assert.ok(!fs.existsSync(path.join(cnnDir, DONE_FILE)), 'the CNN stage is unfinished');
  const stateFile = path.join(cnnDir, 'checkpoints', 'state.json');
  const killed = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as TrainingState;
  const done = killed.epochs.length;
  assert.ok(done >= 1 && done < EPOCHS, `${done} epochs checkpointed`);
  const before = {
    wmf: fs.statSync(path.join(stageDir('wmf'), DONE_FILE)).mtimeMs,
    features: fs.statSync(path.join(work, 'features', 'features.json')).mtimeMs,
  };

  const second = new Proc('model again', process.execPath, args, { env });
  const { code } = await second.exited;
  assert.equal(code, 0, second.tail());
  const summary = JSON.parse(second.lines.filter((l) => l.startsWith('{')).at(-1)!);
  assert.deepEqual(Object.fromEntries(summary.stages.map((s: { name: string; reused: boolean }) => [s.name, s.reused])), { features: true, plays: false, wmf: true, cnn: false, bundle: false });
  assert.deepEqual({ wmf: fs.statSync(path.join(stageDir('wmf'), DONE_FILE)).mtimeMs, features: fs.statSync(path.join(work, 'features', 'features.json')).mtimeMs }, before, 'features and WMF untouched');
  assert.ok(second.lines.includes(`model: cnn: resuming from the checkpoint in ${path.join(cnnDir, 'checkpoints')}`), second.tail());
  const trained = second.lines.filter((l) => /^model: cnn epoch \d+: /.test(l)).map((l) => Number(/epoch (\d+)/.exec(l)![1]));
  assert.deepEqual(trained, Array.from({ length: EPOCHS - done }, (_, k) => done + 1 + k), `epochs 1..${done} are not trained again`);
  const resumed = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as TrainingState;
  assert.deepEqual(resumed.epochs.slice(0, done), killed.epochs, 'the checkpointed epochs are kept as they were');
  assert.equal(JSON.parse(fs.readFileSync(path.join(cnnDir, DONE_FILE), 'utf8')).result.epochs, EPOCHS, 'the stage counts every epoch, before and after the kill');

  // The new bundle replaced the old one whole, and the engine serves it with the world's artists and titles.
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('bundle')).sort(), ['bundle', 'bundle.work']);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.match(manifest.command, /^earshot-train model --plays /);
  assert.equal(manifest.factors, 8);
  const songs = new Map(readSongsTsv(world).map((r) => [r.id, r]));
  const server = await startServer({ bundleDir: out, port: 0, persistCatalog: false });
  try {
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { items: number };
    assert.equal(health.items, 40);
    const clip = path.join(world, 'audio', `${[...songs.keys()][0]}.wav`);
    const res = await fetch(`${server.url}/v1/analyze?k=4`, { method: 'POST', body: fs.readFileSync(clip) });
    assert.equal(res.status, 200);
    const { suggestions } = (await res.json()) as { suggestions: Suggestion[] };
    assert.equal(suggestions.length, 4);
    for (const s of suggestions) {
      assert.deepEqual({ artist: s.artist, title: s.title }, { artist: songs.get(s.id)!.artist, title: songs.get(s.id)!.title });
      assert.equal(s.uri, undefined, 'the world has no uris');
    }
  } finally {
    await server.close();
  }
});
