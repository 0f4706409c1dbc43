/**
 * The optional TensorFlow.js backend (trainer/cnn/tfjs-net.ts) against the plain-JS reference forward
 * pass (test/helpers/net-reference.ts): equal predictions on the same parameters prove the weight
 * layouts match net-config.ts's (libtorch/ONNX) convention. Skipped visibly when no tfjs can load.
 */
import * as assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { EarshotError } from '../../../src/errors';
import type { CnnBatch } from '../../../trainer/cnn/batch-check';
import { parameterShapes, type NetConfig, type NetParameter } from '../../../trainer/cnn/net-config';
import { TfjsNet, tfjsStatus } from '../../../trainer/cnn/tfjs-net';
import { torchStatus } from '../../../trainer/cnn/torch-addon';
import { TorchNet } from '../../../trainer/cnn/torch-net';
import { mulberry32, type Rand } from '../../../trainer/eval/prng';
import { randomParameters, referenceBatch, referenceForward, TEST_CNN } from '../../helpers/net-reference';

const CNN: NetConfig = TEST_CNN;
const MLP: NetConfig = { input: { kind: 'vector', features: 6 }, conv: [], globalPool: [], dense: [9, 5], dropout: 0, outputs: 4 };

function tfjsOrSkip(t: TestContext): boolean {
  const s = tfjsStatus();
  if (s.available) return true;
  t.skip(`TensorFlow.js unavailable (${s.reason})`);
  return false;
}

function randomArray(rand: Rand, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const tol = rel * Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('tfjsStatus never throws and names the loaded flavour', () => {
  const s = tfjsStatus();
  assert.equal(typeof s.available, 'boolean');
  if (s.available) assert.ok(['tfjs-node-gpu', 'tfjs-node', 'tfjs'].includes(s.flavour as string));
});

for (const [label, config, frames] of [
  ['CNN', CNN, 20],
  ['MLP', MLP, 1],
] as const) {
  test(`tfjs ${label}: predict equals the reference forward pass on random parameters`, async (t) => {
    if (!tfjsOrSkip(t)) return;
    const rand = mulberry32(7);
    const params = randomParameters(parameterShapes(config), rand);
    const net = new TfjsNet(config, { seed: 3 });
    net.setParameters(params);
    const per = config.input.kind === 'mel' ? frames * config.input.bands : config.input.features;
    const x = randomArray(rand, 2 * per);
    const y = await net.predict(x, 2, config.input.kind === 'mel' ? frames : undefined);
    assertClose(y, referenceBatch(config, params, x, 2, frames), 1e-4, 'predict');
    net.dispose();
  });
}

test('tfjs: parameters() round-trips setParameters exactly, with net-config names and shapes', (t) => {
  if (!tfjsOrSkip(t)) return;
  const net = new TfjsNet(CNN, { seed: 5 });
  const initial = net.parameters();
  assert.deepEqual(
    initial.map((p) => ({ name: p.name, shape: p.shape })),
    parameterShapes(CNN),
  );
  const params = randomParameters(parameterShapes(CNN), mulberry32(11));
  net.setParameters(params);
  const back = net.parameters();
  for (const [i, p] of params.entries()) assert.deepEqual(back[i].data, p.data, p.name);
  // Same seed → same initial weights.
  assert.deepEqual(new TfjsNet(CNN, { seed: 5 }).parameters(), initial);
  net.dispose();
});

test('tfjs: the quadratic and mse losses equal brute-force values', async (t) => {
  if (!tfjsOrSkip(t)) return;
  const rand = mulberry32(21);
  const params = randomParameters(parameterShapes(CNN), rand);
  const net = new TfjsNet(CNN);
  net.setParameters(params);
  const n = 2;
  const f = CNN.outputs;
  const x = randomArray(rand, n * 20 * 8);
  const a = new Float32Array(n * f * f);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < f; p++) {
      for (let q = 0; q <= p; q++) {
        const v = rand() - 0.5 + (p === q ? 2 : 0);
        a[i * f * f + p * f + q] = v;
        a[i * f * f + q * f + p] = v;
      }
    }
  }
  const b = randomArray(rand, n * f);
  const y = randomArray(rand, n * f);
  let quad = 0;
  let mse = 0;
  for (let i = 0; i < n; i++) {
    const yh = referenceForward(CNN, params, x.subarray(i * 160, (i + 1) * 160), 20);
    for (let p = 0; p < f; p++) {
      quad -= 2 * b[i * f + p] * yh[p];
      mse += (yh[p] - y[i * f + p]) ** 2;
      for (let q = 0; q < f; q++) quad += yh[p] * a[i * f * f + p * f + q] * yh[q];
    }
  }
  assertClose([await net.evalLoss({ x, batch: n, frames: 20, a, b }, 'quadratic')], [quad / n], 1e-4, 'quadratic');
  assertClose([await net.evalLoss({ x, batch: n, frames: 20, y }, 'mse')], [mse / n], 1e-4, 'mse');
  net.dispose();
});

for (const optimizer of ['adam', 'nesterov'] as const) {
  test(`tfjs: a tiny regression trains (${optimizer}), dropout on`, async (t) => {
    if (!tfjsOrSkip(t)) return;
    const config: NetConfig = { ...CNN, dense: [16], dropout: 0.1 };
    const rand = mulberry32(31);
    const target = new TfjsNet(config, { seed: 99 });
    const n = 16;
    const x = randomArray(rand, n * 20 * 8);
    const y = await target.predict(x, n, 20);
    const batch: CnnBatch = { x, batch: n, frames: 20, y };
    const net = new TfjsNet(config, { seed: 1, optimizer, lr: optimizer === 'adam' ? 1e-2 : 2e-2, weightDecay: 1e-5 });
    const first = await net.evalLoss(batch, 'mse');
    for (let s = 0; s < 300; s++) await net.trainStep(batch, 'mse');
    const last = await net.evalLoss(batch, 'mse');
    assert.equal(net.steps, 300);
    assert.ok(last * 5 <= first, `loss ${first} → ${last}`);
    target.dispose();
    net.dispose();
  });
}

test('tfjs: bad inputs and states throw EarshotError', async (t) => {
  if (!tfjsOrSkip(t)) return;
  const net = new TfjsNet(CNN);
  const code = (c: string) => (err: unknown) => err instanceof EarshotError && err.code === c;
  assert.throws(() => new TfjsNet(CNN, { optimizer: 'sgd' as 'adam' }), code('ERR_INVALID_ARGUMENT'));
  assert.throws(() => new TfjsNet(CNN, { lr: -1 }), code('ERR_INVALID_ARGUMENT'));
  await assert.rejects(net.predict(new Float32Array(8 * 5), 1, 5), code('ERR_INVALID_ARGUMENT')); // too few frames
  await assert.rejects(net.trainStep({ x: new Float32Array(160), batch: 1, frames: 20, y: new Float32Array(2) }, 'mse'), code('ERR_INVALID_ARGUMENT'));
  const nan = new Float32Array(160);
  nan[3] = NaN;
  await assert.rejects(net.predict(nan, 1, 20), code('ERR_INVALID_ARGUMENT'));
  assert.throws(() => net.setParameters(net.parameters().slice(1)), code('ERR_MODEL_PARAMS'));
  assert.throws(() => net.setLearningRate(0), code('ERR_INVALID_ARGUMENT'));
  assert.throws(() => net.saveCheckpoint('/tmp/x.pt'), code('ERR_INVALID_STATE'));
  const pending = net.predict(new Float32Array(160), 1, 20);
  assert.throws(() => net.parameters(), code('ERR_INVALID_STATE'));
  await pending;
  net.setLearningRate(1e-4);
  net.dispose();
  await assert.rejects(net.predict(new Float32Array(160), 1, 20), code('ERR_INVALID_STATE'));
});

test('tfjs: a NaN loss refuses the step and leaves the weights unchanged', async (t) => {
  if (!tfjsOrSkip(t)) return;
  const net = new TfjsNet(MLP, { lr: 1e6 });
  const before = net.parameters();
  const x = Float32Array.from({ length: 6 }, () => 3e38);
  const y = new Float32Array(4);
  await assert.rejects(net.trainStep({ x, batch: 1, y }, 'mse'), (err: unknown) => err instanceof EarshotError && err.code === 'ERR_NOT_FINITE');
  assert.deepEqual(net.parameters(), before);
  net.dispose();
});

test('tfjs and libtorch predict the same on the same parameters', async (t) => {
  if (!tfjsOrSkip(t)) return;
  const s = torchStatus();
  if (!s.available) {
    t.skip(`libtorch addon unavailable (${s.reason})`);
    return;
  }
  const rand = mulberry32(41);
  const params: NetParameter[] = randomParameters(parameterShapes(CNN), rand);
  const tfNet = new TfjsNet(CNN);
  const torchNet = new TorchNet(CNN, { threads: 1 });
  tfNet.setParameters(params);
  torchNet.setParameters(params);
  const x = randomArray(rand, 2 * 20 * 8);
  assertClose(await tfNet.predict(x, 2, 20), await torchNet.predict(x, 2, 20), 1e-4, 'tfjs vs torch');
  tfNet.dispose();
  torchNet.dispose();
});
