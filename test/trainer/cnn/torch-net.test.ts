// The libtorch training backend (trainer/cnn/torch-net.ts, native/torch/). Oracles: the plain float64
// forward pass of test/helpers/net-reference.ts (the ONNX exporter's oracle too) on random weights,
// brute-force MSE and quadratic losses, a teacher network's outputs as a learnable target, and a
// second net that must reproduce a run bit for bit (same seed; or resumed from a checkpoint).
// Tolerance against the reference: |torch − reference| ≤ 1e-5 × max|reference| per output row
// (float32 sums of a few hundred terms vs float64: ~1e-7 relative).
// Skips visibly when build-torch/ holds no addon; EARSHOT_REQUIRE_TORCH=1 (CI) fails instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EarshotError } from '../../../src/errors';
import { parameterShapes, type NetConfig } from '../../../trainer/cnn/net-config';
import { mapTorchError } from '../../../trainer/cnn/torch-addon';
import { TorchNet, torchStatus } from '../../../trainer/cnn/torch-net';
import { mulberry32, type Rand } from '../../../trainer/eval/prng';
import { randomParameters, referenceBatch, TEST_CNN, assertClose, isCode } from '../../helpers/net-reference';
import { torchOrSkip } from '../../helpers/torch';

const CNN: NetConfig = TEST_CNN;
const MLP: NetConfig = { input: { kind: 'vector', features: 10 }, conv: [], globalPool: [], dense: [12], dropout: 0, outputs: 4 };
// One thread: these nets are tiny (OpenMP's hand-offs would cost more than the arithmetic), and the
// determinism claims are per thread count.
const OPTS = { threads: 1 };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-torch-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function randomArray(n: number, rand: Rand, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

/** A random symmetric PSD matrix per example (MᵀM / F) and a random b. */
function quadraticTargets(n: number, f: number, rand: Rand): { a: Float32Array; b: Float32Array } {
  const a = new Float32Array(n * f * f);
  for (let i = 0; i < n; i++) {
    const m = randomArray(f * f, rand);
    for (let p = 0; p < f; p++) {
      for (let q = 0; q <= p; q++) {
        let s = 0;
        for (let k = 0; k < f; k++) s += m[k * f + p] * m[k * f + q];
        a[i * f * f + p * f + q] = a[i * f * f + q * f + p] = s / f;
      }
    }
  }
  return { a, b: randomArray(n * f, rand) };
}

test('mapTorchError: an "ERR_<CODE>: " prefix carries its code (ERR_TORCH: torch\'s message); TypeError / RangeError are argument errors', () => {
  const torch = mapTorchError(new Error('ERR_TORCH: DefaultCPUAllocator: not enough memory'));
  assert.equal(torch.code, 'ERR_TORCH');
  assert.equal(torch.message, 'DefaultCPUAllocator: not enough memory');
  assert.equal(mapTorchError(new Error('ERR_CHECKPOINT: damaged')).code, 'ERR_CHECKPOINT');
  assert.equal(mapTorchError(new RangeError('frames must be >= 47')).code, 'ERR_INVALID_ARGUMENT');
  assert.equal(mapTorchError(new TypeError('x must be a Float32Array')).code, 'ERR_INVALID_ARGUMENT');
  assert.equal(mapTorchError(new Error('ERR_UNKNOWN_THING: x')).code, 'ERR_TORCH', 'an unknown prefix is not trusted');
});

test('torchStatus reports the addon, its libtorch and whether CUDA is usable', (t) => {
  if (!torchOrSkip(t)) return;
  const s = torchStatus();
  assert.match(s.version ?? '', /^\d+\.\d+/);
  assert.equal(typeof s.cuda, 'boolean');
  if (!s.cuda) assert.ok((s.reason ?? '').length > 0, 'no CUDA: says why');
  assert.equal(process.env.OMP_WAIT_POLICY !== undefined, true, 'OMP_WAIT_POLICY set before libtorch loaded');
});

test('parameters: the exporter contract names and shapes; predict equals the float64 reference (CNN, two frame counts)', async (t) => {
  if (!torchOrSkip(t)) return;
  const net = new TorchNet(CNN, OPTS);
  const own = net.parameters();
  assert.deepEqual(
    own.map((p) => ({ name: p.name, shape: p.shape })),
    parameterShapes(CNN),
  );
  const params = randomParameters(parameterShapes(CNN), mulberry32(11));
  net.setParameters(params);
  assert.deepEqual(net.parameters(), params, 'setParameters then parameters round-trips exactly');
  const rand = mulberry32(12);
  for (const frames of [40, 17]) {
    const x = randomArray(3 * frames * 8, rand, 2);
    const got = await net.predict(x, 3, frames);
    assertClose(got, referenceBatch(CNN, params, x, 3, frames), CNN.outputs, `CNN frames ${frames}`);
  }
  net.dispose();
});

test('predict equals the float64 reference for the MLP (vector input)', async (t) => {
  if (!torchOrSkip(t)) return;
  const net = new TorchNet(MLP, OPTS);
  const params = randomParameters(parameterShapes(MLP), mulberry32(21));
  net.setParameters(params);
  const x = randomArray(5 * 10, mulberry32(22), 2);
  assertClose(await net.predict(x, 5), referenceBatch(MLP, params, x, 5, 1), MLP.outputs, 'MLP');
});

test('losses: mse and quadratic equal brute force on the predictions; trainStep returns the pre-step loss', async (t) => {
  if (!torchOrSkip(t)) return;
  const net = new TorchNet(CNN, OPTS);
  net.setParameters(randomParameters(parameterShapes(CNN), mulberry32(31)));
  const rand = mulberry32(32);
  const n = 4;
  const f = CNN.outputs;
  const x = randomArray(n * 20 * 8, rand, 2);
  const yhat = await net.predict(x, n, 20);
  const y = randomArray(n * f, rand);
  const { a, b } = quadraticTargets(n, f, rand);
  let mse = 0;
  let quad = 0;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < f; p++) {
      mse += (yhat[i * f + p] - y[i * f + p]) ** 2 / n;
      quad -= (2 * yhat[i * f + p] * b[i * f + p]) / n;
      for (let q = 0; q < f; q++) quad += (yhat[i * f + p] * a[i * f * f + p * f + q] * yhat[i * f + q]) / n;
    }
  }
  const gotMse = await net.evalLoss({ x, batch: n, y }, 'mse');
  const gotQuad = await net.evalLoss({ x, batch: n, frames: 20, a, b }, 'quadratic');
  assert.ok(Math.abs(gotMse - mse) <= 1e-5 * Math.abs(mse), `mse ${gotMse} vs ${mse}`);
  assert.ok(Math.abs(gotQuad - quad) <= 1e-5 * (Math.abs(quad) + 1e-3), `quadratic ${gotQuad} vs ${quad}`);
  assert.equal(await net.trainStep({ x, batch: n, a, b }, 'quadratic'), gotQuad, 'dropout 0: the training loss is the eval loss');
  assert.notEqual(await net.evalLoss({ x, batch: n, a, b }, 'quadratic'), gotQuad, 'the step changed the weights');
  assert.equal(net.steps, 1);
});

for (const [optimizer, lr] of [
  ['adam', 0.01],
  ['nesterov', 0.02],
] as const) {
  test(`${optimizer}: a small regression (a teacher net's outputs) trains, the loss falls more than 10x`, async (t) => {
    if (!torchOrSkip(t)) return;
    const config: NetConfig = { ...CNN, dense: [16] };
    const n = 32;
    const frames = 24;
    const x = randomArray(n * frames * 8, mulberry32(5));
    const y = await new TorchNet(config, { ...OPTS, seed: 99 }).predict(x, n, frames);
    const net = new TorchNet(config, { ...OPTS, optimizer, lr });
    const before = await net.evalLoss({ x, batch: n, y }, 'mse');
    for (let i = 0; i < 300; i++) await net.trainStep({ x, batch: n, y }, 'mse');
    const after = await net.evalLoss({ x, batch: n, y }, 'mse');
    assert.ok(before / after > 10, `${optimizer}: loss ${before} -> ${after}`);
  });
}

/** Trains `steps` steps on seeded random batches; returns the losses. */
async function run(net: TorchNet, from: number, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let s = from; s < from + steps; s++) {
    const rand = mulberry32(1000 + s);
    losses.push(await net.trainStep({ x: randomArray(6 * 30 * 8, rand), batch: 6, y: randomArray(6 * 3, rand) }, 'mse'));
  }
  return losses;
}

test('determinism: the same seed and thread count give identical losses and weights (dropout on)', async (t) => {
  if (!torchOrSkip(t)) return;
  const config = { ...CNN, dropout: 0.3 };
  const a = new TorchNet(config, { ...OPTS, seed: 3 });
  const b = new TorchNet(config, { ...OPTS, seed: 3 });
  assert.deepEqual(await run(a, 0, 5), await run(b, 0, 5));
  assert.deepEqual(a.parameters(), b.parameters());
  const c = new TorchNet(config, { ...OPTS, seed: 4 });
  assert.notDeepEqual(c.parameters(), a.parameters(), 'another seed, other weights');
  const batch = { x: randomArray(6 * 30 * 8, mulberry32(9)), batch: 6, y: new Float32Array(18) };
  assert.notEqual(await c.trainStep(batch, 'mse'), await new TorchNet(config, { ...OPTS, seed: 4 }).evalLoss(batch, 'mse'), 'dropout acts in training only');
});

for (const optimizer of ['adam', 'nesterov'] as const) {
  test(`checkpoint (${optimizer}): save, load into a fresh net, the next steps equal the uninterrupted run`, async (t) => {
    if (!torchOrSkip(t)) return;
    const config = { ...CNN, dropout: 0.3 };
    const file = path.join(tmp, `resume-${optimizer}.pt`);
    const a = new TorchNet(config, { ...OPTS, optimizer });
    await run(a, 0, 3);
    a.saveCheckpoint(file);
    const continued = await run(a, 3, 2);
    const b = new TorchNet(config, { ...OPTS, optimizer, seed: 77 }); // other initial weights and RNG
    b.loadCheckpoint(file);
    assert.equal(b.steps, 3);
    assert.deepEqual(await run(b, 3, 2), continued);
    assert.deepEqual(b.parameters(), a.parameters());
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'no temporary left behind');
  });
}

test('checkpoint errors: not a checkpoint, another architecture, another optimizer; the net is unchanged', async (t) => {
  if (!torchOrSkip(t)) return;
  const file = path.join(tmp, 'cnn.pt');
  new TorchNet(CNN, OPTS).saveCheckpoint(file);
  const junk = path.join(tmp, 'junk.pt');
  fs.writeFileSync(junk, 'not a zip');
  const mlp = new TorchNet(MLP, OPTS);
  const before = mlp.parameters();
  assert.throws(() => mlp.loadCheckpoint(junk), isCode('ERR_CHECKPOINT', /not a libtorch archive/));
  assert.throws(() => mlp.loadCheckpoint(file), isCode('ERR_CHECKPOINT', /different network/));
  assert.throws(() => new TorchNet(CNN, { ...OPTS, optimizer: 'nesterov' }).loadCheckpoint(file), isCode('ERR_CHECKPOINT', /optimizer 'adam'/));
  assert.throws(() => mlp.loadCheckpoint(path.join(tmp, 'absent.pt')), isCode('ERR_IO', /ENOENT/));
  assert.deepEqual(mlp.parameters(), before);
});

test('bad arguments are EarshotErrors that name the field', async (t) => {
  if (!torchOrSkip(t)) return;
  const net = new TorchNet(CNN, OPTS);
  const x = new Float32Array(2 * 20 * 8);
  const y = new Float32Array(2 * 3);
  const arg = (pattern: RegExp) => isCode('ERR_INVALID_ARGUMENT', pattern);
  await assert.rejects(net.predict(x, 2, 8), arg(/frames is 8, but this conv stack needs at least 9 frames/));
  await assert.rejects(net.predict(x.subarray(1), 2, 20), arg(/x holds 319 values, expected 320/));
  await assert.rejects(net.predict(x.subarray(1), 2), arg(/not a whole number/));
  await assert.rejects(net.predict(x, 0, 20), arg(/batch must be an integer/));
  const nan = x.slice();
  nan[77] = NaN;
  await assert.rejects(net.trainStep({ x: nan, batch: 2, y }, 'mse'), arg(/x\[77\] is NaN/));
  await assert.rejects(net.trainStep({ x, batch: 2 }, 'mse'), arg(/y must be a Float32Array/));
  await assert.rejects(net.trainStep({ x, batch: 2, y: new Float32Array(5) }, 'mse'), arg(/y holds 5 values, expected 6/));
  await assert.rejects(net.trainStep({ x, batch: 2, y, a: new Float32Array(18) }, 'mse'), arg(/a and b belong to the 'quadratic' loss/));
  const asym = new Float32Array(2 * 9);
  asym[1] = 1;
  await assert.rejects(net.evalLoss({ x, batch: 2, a: asym, b: y }, 'quadratic'), arg(/a\[0\] is not symmetric/));
  await assert.rejects(net.evalLoss({ x, batch: 2, y }, 'huber' as 'mse'), arg(/loss must be 'mse' or 'quadratic'/));
  assert.throws(() => new TorchNet({ ...CNN, globalPool: [] }, OPTS), arg(/at least one global pool/));
  assert.throws(() => new TorchNet({ ...CNN, dropout: 1 }, OPTS), arg(/dropout/));
  assert.throws(() => new TorchNet(CNN, { threads: 0 }), arg(/threads must be an integer/));
  assert.throws(() => new TorchNet(CNN, { lr: NaN }), arg(/lr must be/));
  assert.throws(() => new TorchNet(CNN, { optimizer: 'sgd' as 'adam' }), arg(/optimizer must be/));
  assert.throws(() => net.setLearningRate(-1), arg(/lr must be/));
  const params = net.parameters();
  params[0] = { ...params[0], shape: [6, 8, 3] };
  assert.throws(() => net.setParameters(params), isCode('ERR_MODEL_PARAMS', /conv0\.weight/));
  assert.throws(() => net.setParameters(net.parameters().slice(1)), isCode('ERR_MODEL_PARAMS', /missing/));
});

test("device 'cuda' without a usable GPU is ERR_CUDA_UNAVAILABLE with the reason", (t) => {
  if (!torchOrSkip(t)) return;
  if (torchStatus().cuda) {
    t.skip('this machine has a CUDA libtorch and a GPU');
    return;
  }
  assert.throws(() => new TorchNet(CNN, { device: 'cuda' }), isCode('ERR_CUDA_UNAVAILABLE', /CPU-only libtorch|sees no GPU/));
});

test('a diverging loss is refused (ERR_NOT_FINITE) and leaves the weights as they were', async (t) => {
  if (!torchOrSkip(t)) return;
  const net = new TorchNet(CNN, OPTS);
  const before = net.parameters();
  const huge = new Float32Array(2 * 3).fill(1e30); // (ŷ − y)² overflows float32
  await assert.rejects(net.trainStep({ x: new Float32Array(2 * 20 * 8), batch: 2, y: huge }, 'mse'), isCode('ERR_NOT_FINITE', /weights were left unchanged/));
  assert.deepEqual(net.parameters(), before);
  assert.equal(net.steps, 0);
});

test('concurrency: async calls queue in order; sync calls while one is pending and calls after dispose are ERR_INVALID_STATE', async (t) => {
  if (!torchOrSkip(t)) return;
  const net = new TorchNet(CNN, OPTS);
  const rand = mulberry32(41);
  const xs = [0, 1, 2].map(() => randomArray(2 * 20 * 8, rand));
  const sequential: Float32Array[] = [];
  for (const x of xs) sequential.push(await net.predict(x, 2));
  const y = new Float32Array(6);
  const pending = [net.predict(xs[0], 2), net.evalLoss({ x: xs[1], batch: 2, y }, 'mse'), net.predict(xs[2], 2)];
  assert.throws(() => net.parameters(), isCode('ERR_INVALID_STATE', /3 trainStep\/evalLoss\/predict call\(s\) still pending/));
  const [p0, , p2] = await Promise.all(pending);
  assert.deepEqual([p0, p2], [sequential[0], sequential[2]]);
  assert.equal(net.parameters().length, 8, "free again once they settled");
  const queued = net.predict(xs[0], 2);
  net.dispose();
  await assert.rejects(queued, isCode('ERR_INVALID_STATE', /disposed/));
  assert.throws(() => net.parameters(), isCode('ERR_INVALID_STATE', /disposed/));
});
