/**
 * The CNN backend conformance suite: one set of checks every training backend of the audio→factors
 * network must pass — libtorch's TorchNet (torch-net.test.ts) and TensorFlow.js's TfjsNet
 * (tfjs-net.test.ts) each register it beside their own specific tests, as the mel front ends share
 * test/dsp/mel-js.test.ts. Oracles: the plain float64 forward pass of test/helpers/net-reference.ts on
 * random weights (the ONNX exporter's oracle too), brute-force mse and quadratic losses on its outputs,
 * a teacher network's outputs as a learnable target, and a second net that must repeat a run bit for bit
 * (same seed; or resumed from a checkpoint). Tolerance against the reference: |backend − reference| ≤
 * 1e-5 × max|reference| per output row (float32 sums of a few hundred terms vs float64: ~1e-7 relative).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CnnBatch } from '../../../trainer/cnn/batch-check';
import { parameterShapes, type NetConfig } from '../../../trainer/cnn/net-config';
import type { CnnNet } from '../../../trainer/cnn/train-cnn';
import type { NetOptimizer, TrainingOptions } from '../../../trainer/cnn/training-options';
import { mulberry32, type Rand } from '../../../trainer/eval/prng';
import { assertClose, isCode, randomArray, randomParameters, referenceBatch, TEST_CNN } from '../../helpers/net-reference';

export interface CnnBackend {
  /** In test names: "[name] ...". */
  name: string;
  /** True when the backend can run here; otherwise marks the test skipped, saying why. */
  availableOrSkip(t: TestContext): boolean;
  /** A net on this backend, its own options (torch: one thread, for the determinism claims) filled in. */
  create(config: NetConfig, options?: TrainingOptions): CnnNet;
  /** saveCheckpoint/loadCheckpoint resume a run exactly; false: both refuse with ERR_INVALID_STATE. */
  checkpoints: boolean;
}

const CNN: NetConfig = TEST_CNN;
/** Vector input (bag-of-words features), two hidden layers. */
const MLP: NetConfig = { input: { kind: 'vector', features: 10 }, conv: [], globalPool: [], dense: [12, 5], dropout: 0, outputs: 4 };
const OPTIMIZERS: readonly NetOptimizer[] = ['adam', 'nesterov'];

/** A random symmetric PSD matrix per example (MᵀM / F) and a random b: the quadratic loss's targets. */
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

/** Trains steps from..from + steps − 1 on batches seeded by the step number (6 × 30 frames, mse); returns the losses. */
async function trainSeeded(net: CnnNet, from: number, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let s = from; s < from + steps; s++) {
    const rand = mulberry32(1000 + s);
    losses.push(await net.trainStep({ x: randomArray(6 * 30 * 8, rand), batch: 6, y: randomArray(6 * 3, rand) }, 'mse'));
  }
  return losses;
}

/** Registers every conformance test for `backend`; each skips visibly when the backend cannot run. */
export function cnnBackendConformance(backend: CnnBackend): void {
  const { name, availableOrSkip, create } = backend;

  test(`[${name}] parameters: the exporter contract's names and shapes; a seed fixes the initial weights; setParameters round-trips exactly`, (t) => {
    if (!availableOrSkip(t)) return;
    const net = create(CNN, { seed: 5 });
    const initial = net.parameters();
    assert.deepEqual(
      initial.map((p) => ({ name: p.name, shape: p.shape })),
      parameterShapes(CNN),
    );
    assert.deepEqual(create(CNN, { seed: 5 }).parameters(), initial, 'same seed, same initial weights');
    assert.notDeepEqual(create(CNN, { seed: 6 }).parameters(), initial, 'another seed, other weights');
    const params = randomParameters(parameterShapes(CNN), mulberry32(11));
    net.setParameters(params);
    assert.deepEqual(net.parameters(), params);
    net.dispose();
  });

  test(`[${name}] predict equals the float64 reference for the CNN (two frame counts)`, async (t) => {
    if (!availableOrSkip(t)) return;
    const net = create(CNN);
    const params = randomParameters(parameterShapes(CNN), mulberry32(11));
    net.setParameters(params);
    const rand = mulberry32(12);
    for (const frames of [40, 17]) {
      const x = randomArray(3 * frames * 8, rand, 2);
      assertClose(await net.predict(x, 3, frames), referenceBatch(CNN, params, x, 3, frames), CNN.outputs, `CNN frames ${frames}`);
    }
    net.dispose();
  });

  test(`[${name}] predict equals the float64 reference for the MLP (vector input)`, async (t) => {
    if (!availableOrSkip(t)) return;
    const net = create(MLP);
    const params = randomParameters(parameterShapes(MLP), mulberry32(21));
    net.setParameters(params);
    const x = randomArray(5 * 10, mulberry32(22), 2);
    assertClose(await net.predict(x, 5), referenceBatch(MLP, params, x, 5, 1), MLP.outputs, 'MLP');
    net.dispose();
  });

  test(`[${name}] losses: mse and quadratic equal brute force on the reference's outputs; trainStep returns the pre-step loss`, async (t) => {
    if (!availableOrSkip(t)) return;
    const net = create(CNN);
    const params = randomParameters(parameterShapes(CNN), mulberry32(31));
    net.setParameters(params);
    const rand = mulberry32(32);
    const n = 4;
    const f = CNN.outputs;
    const x = randomArray(n * 20 * 8, rand, 2);
    const yhat = referenceBatch(CNN, params, x, n, 20);
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
    net.dispose();
  });

  for (const optimizer of OPTIMIZERS) {
    test(`[${name}] ${optimizer}: a small regression (a teacher net's outputs) trains with dropout and weight decay, the loss falls more than 10x`, async (t) => {
      if (!availableOrSkip(t)) return;
      const config: NetConfig = { ...CNN, dense: [16], dropout: 0.1 };
      const n = 16;
      const frames = 24;
      const x = randomArray(n * frames * 8, mulberry32(5));
      const batch: CnnBatch = { x, batch: n, y: await create(config, { seed: 99 }).predict(x, n, frames) };
      const net = create(config, { optimizer, lr: optimizer === 'adam' ? 0.01 : 0.02, weightDecay: 1e-5 });
      const before = await net.evalLoss(batch, 'mse');
      for (let i = 0; i < 300; i++) await net.trainStep(batch, 'mse');
      const after = await net.evalLoss(batch, 'mse');
      t.diagnostic(`mse ${before.toExponential(3)} → ${after.toExponential(3)} in 300 steps`);
      assert.equal(net.steps, 300);
      assert.ok(before / after > 10, `${optimizer}: loss ${before} -> ${after}`);
      net.dispose();
    });
  }

  test(`[${name}] determinism: the same seed gives identical losses and weights (dropout on); dropout acts in training only`, async (t) => {
    if (!availableOrSkip(t)) return;
    const config = { ...CNN, dropout: 0.3 };
    const a = create(config, { seed: 3 });
    const b = create(config, { seed: 3 });
    assert.deepEqual(await trainSeeded(a, 0, 5), await trainSeeded(b, 0, 5));
    assert.deepEqual(a.parameters(), b.parameters());
    const c = create(config, { seed: 4 });
    assert.notDeepEqual(c.parameters(), a.parameters(), 'another seed, other weights');
    const batch = { x: randomArray(6 * 30 * 8, mulberry32(9)), batch: 6, y: new Float32Array(18) };
    assert.notEqual(await c.trainStep(batch, 'mse'), await create(config, { seed: 4 }).evalLoss(batch, 'mse'), 'dropout acts in training only');
  });

  if (backend.checkpoints) {
    for (const optimizer of OPTIMIZERS) {
      test(`[${name}] checkpoint (${optimizer}): save, load into a fresh net, the next steps equal the uninterrupted run`, async (t) => {
        if (!availableOrSkip(t)) return;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-checkpoint-'));
        try {
          const config = { ...CNN, dropout: 0.3 };
          const file = path.join(dir, `resume-${optimizer}.pt`);
          const a = create(config, { optimizer });
          await trainSeeded(a, 0, 3);
          a.saveCheckpoint(file);
          const continued = await trainSeeded(a, 3, 2);
          const b = create(config, { optimizer, seed: 77 }); // other initial weights and dropout stream
          b.loadCheckpoint(file);
          assert.equal(b.steps, 3);
          assert.deepEqual(await trainSeeded(b, 3, 2), continued);
          assert.deepEqual(b.parameters(), a.parameters());
          assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary left behind');
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  } else {
    test(`[${name}] checkpoints: save and load refuse with ERR_INVALID_STATE, no file written, the net unchanged`, async (t) => {
      if (!availableOrSkip(t)) return;
      const file = path.join(os.tmpdir(), `earshot-no-checkpoint-${process.pid}.pt`);
      const net = create(CNN);
      await trainSeeded(net, 0, 1);
      const before = net.parameters();
      assert.throws(() => net.saveCheckpoint(file), isCode('ERR_INVALID_STATE', /checkpoints need the torch backend/));
      assert.throws(() => net.loadCheckpoint(file), isCode('ERR_INVALID_STATE', /checkpoints need the torch backend/));
      assert.equal(fs.existsSync(file), false);
      assert.deepEqual(net.parameters(), before);
      assert.equal(net.steps, 1);
    });
  }

  test(`[${name}] bad arguments are EarshotErrors that name the field`, async (t) => {
    if (!availableOrSkip(t)) return;
    const net = create(CNN);
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
    assert.throws(() => create({ ...CNN, globalPool: [] }), arg(/at least one global pool/));
    assert.throws(() => create({ ...CNN, dropout: 1 }), arg(/dropout/));
    assert.throws(() => create(CNN, { lr: NaN }), arg(/lr must be/));
    assert.throws(() => create(CNN, { seed: -1 }), arg(/seed must be an integer/));
    assert.throws(() => create(CNN, { optimizer: 'sgd' as 'adam' }), arg(/optimizer must be/));
    assert.throws(() => create(CNN, { weightDecay: -1 }), arg(/weightDecay must be/));
    assert.throws(() => net.setLearningRate(-1), arg(/lr must be/));
    const params = net.parameters();
    params[0] = { ...params[0], shape: [6, 8, 3] };
    assert.throws(() => net.setParameters(params), isCode('ERR_MODEL_PARAMS', /conv0\.weight/));
    assert.throws(() => net.setParameters(net.parameters().slice(1)), isCode('ERR_MODEL_PARAMS', /missing/));
    net.dispose();
  });

  test(`[${name}] a diverging loss is refused (ERR_NOT_FINITE) and leaves the weights as they were`, async (t) => {
    if (!availableOrSkip(t)) return;
    const net = create(CNN);
    const before = net.parameters();
    const huge = new Float32Array(2 * 3).fill(1e30); // (ŷ − y)² overflows float32
    await assert.rejects(net.trainStep({ x: new Float32Array(2 * 20 * 8), batch: 2, y: huge }, 'mse'), isCode('ERR_NOT_FINITE', /weights were left unchanged/));
    assert.deepEqual(net.parameters(), before);
    assert.equal(net.steps, 0);
    net.dispose();
  });

  test(`[${name}] concurrency: async calls queue in order; sync calls while one is pending and calls after dispose are ERR_INVALID_STATE`, async (t) => {
    if (!availableOrSkip(t)) return;
    const net = create(CNN);
    const rand = mulberry32(41);
    const xs = [0, 1, 2].map(() => randomArray(2 * 20 * 8, rand));
    const sequential: Float32Array[] = [];
    for (const x of xs) sequential.push(await net.predict(x, 2));
    const y = new Float32Array(6);
    const pending = [net.predict(xs[0], 2), net.evalLoss({ x: xs[1], batch: 2, y }, 'mse'), net.predict(xs[2], 2)];
    assert.throws(() => net.parameters(), isCode('ERR_INVALID_STATE', /3 trainStep\/evalLoss\/predict call\(s\) still pending/));
    assert.throws(() => net.setLearningRate(1e-4), isCode('ERR_INVALID_STATE', /still pending/));
    const [p0, , p2] = await Promise.all(pending);
    assert.deepEqual([p0, p2], [sequential[0], sequential[2]]);
    assert.equal(net.parameters().length, 8, 'free again once they settled');
    const queued = net.predict(xs[0], 2);
    net.dispose();
    await assert.rejects(queued, isCode('ERR_INVALID_STATE', /disposed/));
    assert.throws(() => net.parameters(), isCode('ERR_INVALID_STATE', /disposed/));
  });
}
