// The streaming pair's export (trainer/export/onnx-stream.ts): for several conv stacks, a stream fed to
// the trunk in chunks (the first with an empty state, then hops of whole strides, short and long) and
// the head on each window's steps equals the plain float64 forward pass (test/helpers/net-reference.ts)
// of the whole window within 1e-5 of the output's scale; the geometry is the closed form; model.onnx's
// parameters read back bit for bit (trainer/export/onnx-params.ts); bad inputs are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { framesAfterConv, parameterShapes, type NetConfig } from '../../../trainer/cnn/net-config';
import { mulberry32 } from '../../../trainer/eval/prng';
import { buildOnnxModel } from '../../../trainer/export/onnx-net';
import { readOnnxNet } from '../../../trainer/export/onnx-params';
import { buildStreamPair, canStream, streamGeometry } from '../../../trainer/export/onnx-stream';
import { assertClose, isCode, randomArray, randomParameters, referenceForward, TEST_CNN } from '../../helpers/net-reference';

const NETS: { name: string; config: NetConfig; windowFrames: number }[] = [
  { name: 'two layers, pool 2 (S = 2)', config: TEST_CNN, windowFrames: 30 },
  { name: 'the default bundle\'s shape, narrow (pools 4, 2, 1: S = 8)', config: { ...TEST_CNN, conv: [{ filters: 6, kernel: 4, pool: 4 }, { filters: 5, kernel: 4, pool: 2 }, { filters: 4, kernel: 4, pool: 1 }] }, windowFrames: 130 },
  { name: 'kernel 1, pool 3 then kernel 5, pool 2 (S = 6)', config: { ...TEST_CNN, conv: [{ filters: 4, kernel: 1, pool: 3 }, { filters: 5, kernel: 5, pool: 2 }], globalPool: ['max'] }, windowFrames: 50 },
  { name: 'no pooling (S = 1)', config: { ...TEST_CNN, conv: [{ filters: 4, kernel: 3, pool: 1 }], globalPool: ['mean', 'l2'] }, windowFrames: 20 },
];

const OPTS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };

for (const { name, config, windowFrames } of NETS) {
  test(`streamed windows equal the float64 forward pass of each whole window: ${name}`, async () => {
    const g = streamGeometry(config, windowFrames);
    const S = config.conv.reduce((s, l) => s * l.pool, 1);
    assert.equal(g.strideFrames, S);
    assert.equal(g.windowSteps, framesAfterConv(config, windowFrames));
    assert.equal(g.feedFrames % S, 0);
    assert.ok(framesAfterConv(config, g.feedFrames) >= g.windowSteps && framesAfterConv(config, g.feedFrames - S) < g.windowSteps, 'feedFrames is the smallest multiple of S');
    const bands = (config.input as { bands: number }).bands;
    const params = randomParameters(parameterShapes(config), mulberry32(7));
    const { trunk, head, geometry } = buildStreamPair(config, params, windowFrames);
    assert.deepEqual(geometry, g);
    const t = await ort.InferenceSession.create(trunk, OPTS);
    const h = await ort.InferenceSession.create(head, OPTS);
    const frames = 400;
    const mel = randomArray(frames * bands, mulberry32(3), 3);
    // Hops in strides: 1, 2, then one longer than the feed (a restart), then 3.
    const hops = [S, 2 * S, 2 * S, g.feedFrames + 2 * S, 3 * S, 3 * S, S];
    let state: ort.Tensor[] = [];
    let fed = -1;
    let stepsHeld: Float32Array[] = []; // time-major, for the test's own bookkeeping
    let firstStep = 0;
    let start = 0;
    let windows = 0;
    for (let k = 0; start + windowFrames <= frames; k++) {
      if (fed < start) {
        state = g.states.map((s) => new ort.Tensor('float32', new Float32Array(0), [1, s.channels, 0]));
        fed = start;
        stepsHeld = [];
        firstStep = start / S;
      }
      const n = start + g.feedFrames - fed;
      const feeds: Record<string, ort.Tensor> = { mel: new ort.Tensor('float32', mel.slice(fed * bands, (fed + n) * bands), [1, n, bands]) };
      state.forEach((s, i) => (feeds[`state${i}`] = s));
      const r = await t.run(feeds);
      state = g.states.map((_, i) => r[`state${i}_out`]);
      if (k > 0) assert.deepEqual(state.map((s) => s.dims[2]), g.states.map((s) => s.frames), 'steady state lengths');
      const m = r.steps.dims[1];
      const data = r.steps.data as Float32Array;
      for (let j = 0; j < m; j++) stepsHeld.push(data.slice(j * g.channels, (j + 1) * g.channels));
      fed += n;
      const steps = new Float32Array(g.channels * g.windowSteps);
      const from = start / S - firstStep;
      for (let j = 0; j < g.windowSteps; j++) steps.set(stepsHeld[from + j], j * g.channels);
      const factors = (await h.run({ steps: new ort.Tensor('float32', steps, [1, g.windowSteps, g.channels]) })).factors.data as Float32Array;
      const ref = referenceForward(config, params, mel.subarray(start * bands, (start + windowFrames) * bands), windowFrames);
      assertClose(factors, ref, config.outputs, `window at frame ${start}`);
      windows++;
      start += hops[Math.min(k, hops.length - 1)];
    }
    assert.ok(windows >= 8, `${windows} windows`);
  });
}

test('geometry of the default bundle\'s net: stride 8, 11 steps from 128 frames, states 4, 3, 3', () => {
  const config: NetConfig = { ...TEST_CNN, input: { kind: 'mel', bands: 128 }, conv: [{ filters: 128, kernel: 4, pool: 4 }, { filters: 128, kernel: 4, pool: 2 }, { filters: 256, kernel: 4, pool: 1 }] };
  assert.deepEqual(streamGeometry(config, 130), { strideFrames: 8, windowSteps: 11, feedFrames: 128, channels: 256, states: [{ channels: 128, frames: 4 }, { channels: 128, frames: 3 }, { channels: 128, frames: 3 }] });
});

test('a window shorter than its feed, or a vector net, cannot stream', () => {
  // Pool 4 with kernel 4: 7 frames give one step, 8 frames (the stride multiple) are needed.
  const config: NetConfig = { ...TEST_CNN, conv: [{ filters: 3, kernel: 4, pool: 4 }] };
  assert.equal(streamGeometry(config, 8).feedFrames, 8);
  assert.throws(() => streamGeometry(config, 7), isCode('ERR_INVALID_ARGUMENT', /fewer than the 8 frames/));
  assert.equal(canStream(config, 7), false);
  const mlp: NetConfig = { input: { kind: 'vector', features: 4 }, conv: [], globalPool: [], dense: [], dropout: 0, outputs: 2 };
  assert.equal(canStream(mlp, 130), false);
});

test('readOnnxNet: model.onnx\'s config and parameters come back bit for bit; foreign files are refused', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-onnx-params-'));
  try {
    const params = randomParameters(parameterShapes(TEST_CNN), mulberry32(5));
    const file = path.join(tmp, 'model.onnx');
    fs.writeFileSync(file, buildOnnxModel(TEST_CNN, params));
    const back = readOnnxNet(file);
    assert.deepEqual(back.config, TEST_CNN);
    assert.deepEqual(back.params.map((p) => [p.name, p.shape, Array.from(p.data)]), params.map((p) => [p.name, p.shape, Array.from(p.data)]));
    fs.writeFileSync(file, Buffer.from('not a model'));
    assert.throws(() => readOnnxNet(file), isCode('ERR_MODEL_FORMAT'));
    assert.throws(() => readOnnxNet(path.join(tmp, 'absent.onnx')), isCode('ERR_IO'));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
