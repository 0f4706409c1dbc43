// The stage cache (trainer/pipeline/stage-cache.ts) on a chain of three stages, a → b → c, each keyed
// by its options and the hash of the stage before it: a process killed inside b leaves a finished and b
// unfinished; the rerun reuses a (compute not called, done.json untouched), resumes b in its folder and
// computes c. Changing b's option recomputes b and c only; a thrown error leaves no done.json.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DONE_FILE, digestOf, runStage, stageHash, type StageRun } from '../../../trainer/pipeline/stage-cache';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-stage-cache-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface ChainOptions {
  work: string;
  aScale: number;
  bOffset: number;
  /** Called inside b's compute after it wrote its partial file (the test kills or throws there). */
  inB?: (dir: string) => Promise<void>;
}

/** a: writes [1,2,3] × aScale; b: a's numbers + bOffset (writes partial.txt first); c: their sum. */
async function chain(o: ChainOptions, calls: string[]): Promise<StageRun<number>[]> {
  const a = await runStage(o.work, { name: 'a', version: '1', inputs: { scale: o.aScale } }, async (dir) => {
    calls.push('a');
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify([1, 2, 3].map((x) => x * o.aScale)));
    return 3;
  });
  const b = await runStage(o.work, { name: 'b', version: '1', inputs: { a: a.hash, offset: o.bOffset } }, async (dir, resumed) => {
    calls.push(resumed ? 'b (resumed)' : 'b');
    if (resumed) assert.ok(fs.existsSync(path.join(dir, 'partial.txt')), 'a resumed stage finds what it left');
    fs.writeFileSync(path.join(dir, 'partial.txt'), 'started');
    await o.inB?.(dir);
    const xs = JSON.parse(fs.readFileSync(path.join(a.dir, 'a.json'), 'utf8')) as number[];
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify(xs.map((x) => x + o.bOffset)));
    return xs.length;
  });
  const c = await runStage(o.work, { name: 'c', version: '1', inputs: { b: b.hash } }, async (dir) => {
    calls.push('c');
    const xs = JSON.parse(fs.readFileSync(path.join(b.dir, 'b.json'), 'utf8')) as number[];
    const sum = xs.reduce((s, x) => s + x, 0);
    fs.writeFileSync(path.join(dir, 'c.txt'), String(sum));
    return sum;
  });
  return [a, b, c];
}

const doneStat = (run: StageRun<unknown>) => {
  const st = fs.statSync(path.join(run.dir, DONE_FILE));
  return { mtimeMs: st.mtimeMs, ino: st.ino, text: fs.readFileSync(path.join(run.dir, DONE_FILE), 'utf8') };
};

if (process.env.STAGE_CACHE_CHILD) {
  // The child: runs the chain and is killed (SIGKILL, by the parent) inside b.
  const work = process.env.STAGE_CACHE_CHILD;
  void chain({ work, aScale: 2, bOffset: 10, inB: async () => {
    process.stdout.write('in-b\n');
    await new Promise(() => undefined); // wait to be killed
  } }, []);
} else {
  test('a run killed inside a stage: the rerun reuses the stages before it and resumes the killed one', async () => {
    const work = path.join(tmp, 'killed');
    const child = spawn(process.execPath, [__filename], { env: { ...process.env, STAGE_CACHE_CHILD: work, NODE_TEST_CONTEXT: undefined }, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('in-b')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before reaching b`)));
    });
    await new Promise((resolve) => child.on('close', resolve));
    const folders = fs.readdirSync(work).sort();
    assert.equal(folders.length, 2, `a and b have folders: ${folders}`);
    const [aFolder, bFolder] = folders;
    assert.ok(fs.existsSync(path.join(work, aFolder, DONE_FILE)), 'a finished');
    assert.ok(!fs.existsSync(path.join(work, bFolder, DONE_FILE)), 'b did not');
    const aDoneBefore = fs.statSync(path.join(work, aFolder, DONE_FILE));

    const calls: string[] = [];
    const [a, b, c] = await chain({ work, aScale: 2, bOffset: 10 }, calls);
    assert.deepEqual(calls, ['b (resumed)', 'c'], 'a is not computed again');
    assert.equal(a.reused, true);
    assert.equal(a.seconds, 0);
    assert.equal(b.reused, false);
    assert.equal(c.reused, false);
    assert.equal(path.basename(a.dir), aFolder);
    assert.equal(path.basename(b.dir), bFolder);
    const aDoneAfter = fs.statSync(path.join(a.dir, DONE_FILE));
    assert.equal(aDoneAfter.mtimeMs, aDoneBefore.mtimeMs, "a's done.json untouched");
    assert.equal(aDoneAfter.ino, aDoneBefore.ino);
    assert.equal(c.result, 2 + 4 + 6 + 30);
    assert.equal(b.result, 3);
  });
  optionTests();
}

/** The tests that run in the test process only (the killed child runs none). */
function optionTests(): void {
  test('an unchanged rerun computes nothing; a changed option recomputes its stage and those downstream only', async () => {
    const work = path.join(tmp, 'options');
    const first: string[] = [];
    const runs = await chain({ work, aScale: 1, bOffset: 0 }, first);
    assert.deepEqual(first, ['a', 'b', 'c']);
    assert.equal(runs[2].result, 6);
    const before = runs.map(doneStat);

    const again: string[] = [];
    const same = await chain({ work, aScale: 1, bOffset: 0 }, again);
    assert.deepEqual(again, []);
    assert.deepEqual(same.map((r) => r.reused), [true, true, true]);
    assert.deepEqual(same.map((r) => r.result), [3, 3, 6], 'results come back from done.json');
    assert.deepEqual(same.map(doneStat), before, 'no done.json rewritten');

    const changed: string[] = [];
    const other = await chain({ work, aScale: 1, bOffset: 5 }, changed);
    assert.deepEqual(changed, ['b', 'c'], 'a, upstream of the change, is reused');
    assert.equal(other[0].dir, runs[0].dir);
    assert.notEqual(other[1].dir, runs[1].dir);
    assert.notEqual(other[2].dir, runs[2].dir);
    assert.equal(other[2].result, 21);
    assert.deepEqual(doneStat(other[0]), before[0]);

    const upstream: string[] = [];
    await chain({ work, aScale: 3, bOffset: 5 }, upstream);
    assert.deepEqual(upstream, ['a', 'b', 'c'], 'a change at the top recomputes everything below');
    const back: string[] = [];
    await chain({ work, aScale: 1, bOffset: 0 }, back);
    assert.deepEqual(back, [], 'changing the options back reuses the first folders');
  });

  test('a stage that throws leaves no done.json and is computed again next time', async () => {
    const work = path.join(tmp, 'throws');
    const calls: string[] = [];
    await assert.rejects(chain({ work, aScale: 1, bOffset: 0, inB: async () => {
      throw new Error('disk on fire');
    } }, calls), /disk on fire/);
    assert.deepEqual(calls, ['a', 'b']);
    const bDir = fs.readdirSync(work).find((f) => f.startsWith('b-'))!;
    assert.ok(!fs.existsSync(path.join(work, bDir, DONE_FILE)));
    const rerun: string[] = [];
    const runs = await chain({ work, aScale: 1, bOffset: 0 }, rerun);
    assert.deepEqual(rerun, ['b (resumed)', 'c']);
    assert.equal(runs[2].result, 6);
  });

  test('stage hashes: key order does not matter, every input, the version and the name do', () => {
    const key = { name: 'wmf', version: '1', inputs: { factors: 50, seed: 1, plays: 'ab' } };
    const h = stageHash(key);
    assert.match(h, /^[0-9a-f]{16}$/);
    assert.equal(stageHash({ name: 'wmf', version: '1', inputs: { plays: 'ab', seed: 1, factors: 50 } }), h);
    assert.notEqual(stageHash({ ...key, inputs: { ...key.inputs, seed: 2 } }), h);
    assert.notEqual(stageHash({ ...key, version: '2' }), h);
    assert.notEqual(stageHash({ ...key, name: 'cnn' }), h);
    assert.notEqual(stageHash({ ...key, inputs: { ...key.inputs, nested: { a: [1, 2] } } }), stageHash({ ...key, inputs: { ...key.inputs, nested: { a: [2, 1] } } }));
    assert.throws(() => stageHash({ ...key, name: 'Bad Name' }), /stage name must be/);
    assert.throws(() => stageHash({ ...key, inputs: { x: NaN } }), /finite numbers/);
    assert.throws(() => stageHash({ ...key, inputs: { x: new Float32Array(2) } }), /plain JSON/);
    assert.notEqual(digestOf('a', 'b'), digestOf('ab'), 'parts are separated');
  });
}

test('digestOf takes a catalogue-sized id list whole (400,000 ids: no stack overflow) and hashes it as the separate strings would', () => {
  const ids = Array.from({ length: 400_000 }, (_, i) => `SO${String(i).padStart(8, '0')}`);
  const reference = crypto.createHash('sha256');
  reference.update('head').update('\0');
  for (const id of ids) reference.update(id).update('\0');
  assert.equal(digestOf('head', ids), reference.digest('hex'));
  assert.equal(digestOf('a', ['b', 'c']), digestOf('a', 'b', 'c'), 'a list is the same as its strings given one by one');
  assert.notEqual(digestOf(['ab']), digestOf(['a', 'b']), 'the NUL after each string keeps boundaries');
});
