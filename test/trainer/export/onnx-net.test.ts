// ONNX export of the audio→factors network, checked against a plain float64 forward pass
// (test/helpers/net-reference.ts): onnxruntime-node at batch 1 and 5 and several frame counts (the
// dynamic axes), onnxruntime-web's WASM backend on the same bytes, the paper's clip mean, metadata, and
// the errors for truncated files, foreign models, mismatched parameters and wrong input sizes.
// Tolerance: |onnx − reference| ≤ 1e-5 × max|reference| per output vector (float32 vs float64 sums of
// a few hundred terms differ by ~1e-7 relative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import * as web from 'onnxruntime-web'; // resolves to its Node build (dist/ort.node.min.js): the WASM backend, no browser needed
import { loadFactorModel } from '../../../src/model/onnx-factor-model';
import { framesAfterConv, minFrames, parameterShapes, validateNetConfig, type NetConfig } from '../../../trainer/cnn/net-config';
import { mulberry32, type Rand } from '../../../trainer/eval/prng';
import { buildOnnxModel, META_MIN_FRAMES, META_NET_CONFIG } from '../../../trainer/export/onnx-net';
import { randomParameters, referenceBatch, assertClose, isCode, TEST_CNN } from '../../helpers/net-reference';

// Dropout 0.5: training-only, so the exported graph must not contain it.
const CNN: NetConfig = { ...TEST_CNN, dropout: 0.5 };
const MLP: NetConfig = { input: { kind: 'vector', features: 10 }, conv: [], globalPool: [], dense: [7, 4], dropout: 0, outputs: 3 };

const cnnParams = randomParameters(parameterShapes(CNN), mulberry32(11));
const cnnBytes = buildOnnxModel(CNN, cnnParams, { 'mel.sample_rate_hz': '22050', 'mel.hop_samples': '512', 'naïve ключ': 'ünïcode ✓' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-onnx-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function randomInput(n: number, rand: Rand): Float32Array {
  return Float32Array.from({ length: n }, () => rand() * 4 - 2);
}

test('net config: parameter names and shapes, minFrames is the shortest input that leaves a time step', () => {
  assert.deepEqual(parameterShapes(CNN), [
    { name: 'conv0.weight', shape: [6, 8, 4] },
    { name: 'conv0.bias', shape: [6] },
    { name: 'conv1.weight', shape: [5, 6, 3] },
    { name: 'conv1.bias', shape: [5] },
    { name: 'dense0.weight', shape: [7, 15] },
    { name: 'dense0.bias', shape: [7] },
    { name: 'out.weight', shape: [3, 7] },
    { name: 'out.bias', shape: [3] },
  ]);
  const paper: NetConfig = { ...CNN, input: { kind: 'mel', bands: 128 }, conv: [{ filters: 256, kernel: 4, pool: 4 }, { filters: 256, kernel: 4, pool: 2 }, { filters: 512, kernel: 4, pool: 1 }] };
  for (const cfg of [CNN, paper, { ...CNN, conv: [] }, { ...CNN, conv: [{ filters: 2, kernel: 1, pool: 3 }, { filters: 2, kernel: 5, pool: 2 }] }]) {
    const m = minFrames(cfg);
    assert.ok(framesAfterConv(cfg, m) >= 1 && framesAfterConv(cfg, m - 1) < 1, `minFrames ${m} for ${JSON.stringify(cfg.conv)}`);
  }
  assert.equal(minFrames(CNN), 9);
  assert.equal(minFrames(MLP), 1);
  assert.throws(() => validateNetConfig({ ...CNN, globalPool: [] }), isCode('ERR_INVALID_ARGUMENT', /global pool/));
  assert.throws(() => validateNetConfig({ ...MLP, conv: [{ filters: 2, kernel: 2, pool: 1 }] }), isCode('ERR_INVALID_ARGUMENT', /no time axis/));
  assert.throws(() => validateNetConfig({ ...CNN, conv: [{ filters: 2, kernel: 0, pool: 1 }] }), isCode('ERR_INVALID_ARGUMENT', /conv\[0\]\.kernel/));
  assert.throws(() => validateNetConfig({ ...CNN, globalPool: ['mean', 'avg'] }), isCode('ERR_INVALID_ARGUMENT', /globalPool\[1\]/));
  assert.throws(() => validateNetConfig({ ...CNN, dropout: 1 }), isCode('ERR_INVALID_ARGUMENT', /dropout/));
});

test('CNN: onnxruntime-node equals the plain forward pass at batch 1 and 5, for several frame counts', async () => {
  const model = await loadFactorModel(cnnBytes);
  try {
    assert.equal(model.inputKind, 'mel');
    assert.equal(model.bands, 8);
    assert.equal(model.outputs, 3);
    assert.equal(model.minFrames, 9);
    const rand = mulberry32(5);
    for (const frames of [9, 20, 37]) {
      for (const batch of [1, 5]) {
        const x = randomInput(batch * frames * 8, rand);
        const got = await model.predictWindows(x, batch, frames);
        assertClose(got, referenceBatch(CNN, cnnParams, x, batch, frames), 3, `batch ${batch}, frames ${frames}`);
      }
    }
    // A view into a larger buffer (non-zero byteOffset) must be read from its own start.
    const big = randomInput(8 + 2 * 20 * 8, rand);
    const view = big.subarray(8);
    assertClose(await model.predictWindows(view, 2, 20), referenceBatch(CNN, cnnParams, view, 2, 20), 3, 'subarray input');
  } finally {
    await model.close();
  }
});

test('MLP (vector input): onnxruntime-node equals the plain forward pass at batch 1 and 5', async () => {
  const params = randomParameters(parameterShapes(MLP), mulberry32(12));
  const model = await loadFactorModel(buildOnnxModel(MLP, params));
  try {
    assert.equal(model.inputKind, 'vector');
    assert.equal(model.features, 10);
    assert.equal(model.bands, 0);
    const rand = mulberry32(6);
    for (const batch of [1, 5]) {
      const x = randomInput(batch * 10, rand);
      assertClose(await model.predictFeatures(x, batch), referenceBatch(MLP, params, x, batch, 1), 3, `batch ${batch}`);
    }
    await assert.rejects(model.predictWindows(new Float32Array(10), 1, 1), isCode('ERR_INVALID_ARGUMENT', /vector/));
  } finally {
    await model.close();
  }
});

test('onnxruntime-web (WASM backend, in Node) gives the same factors as the reference', async () => {
  web.env.wasm.numThreads = 1; // no worker threads: the test process must exit when done
  const session = await web.InferenceSession.create(cnnBytes);
  try {
    const rand = mulberry32(7);
    for (const [batch, frames] of [[1, 20], [5, 37]]) {
      const x = randomInput(batch * frames * 8, rand);
      const out = await session.run({ mel: new web.Tensor('float32', x, [batch, frames, 8]) });
      assert.deepEqual(out.factors.dims, [batch, 3]);
      assertClose(out.factors.data as Float32Array, referenceBatch(CNN, cnnParams, x, batch, frames), 3, `web batch ${batch}, frames ${frames}`);
    }
  } finally {
    await session.release();
  }
});

test('predictClip is the mean over consecutive whole windows; a short clip is predicted whole', async () => {
  const model = await loadFactorModel(cnnBytes, { maxBatchWindows: 2 }); // 3 windows → calls of 2 + 1
  try {
    const rand = mulberry32(8);
    const w = 20;
    const frames = 3 * w + 17; // the last 17 frames are not a whole window and are not used
    const data = randomInput(frames * 8, rand);
    const clip = await model.predictClip({ data, frames, bands: 8 }, w);
    const per = await model.predictWindows(data.subarray(0, 3 * w * 8), 3, w);
    const mean = [0, 1, 2].map((i) => (per[i] + per[3 + i] + per[6 + i]) / 3);
    assertClose(clip, mean, 3, 'clip mean');
    assertClose(clip, [0, 1, 2].map((i) => [0, 1, 2].reduce((s, k) => s + referenceBatch(CNN, cnnParams, data.subarray(k * w * 8, (k + 1) * w * 8), 1, w)[i], 0) / 3), 3, 'clip vs reference');

    const short = data.subarray(0, 15 * 8);
    assertClose(await model.predictClip({ data: short, frames: 15, bands: 8 }, w), await model.predictWindows(short, 1, 15), 3, 'short clip');
    await assert.rejects(model.predictClip({ data: data.subarray(0, 8 * 8), frames: 8, bands: 8 }, w), isCode('ERR_INVALID_ARGUMENT', /at least 9/));
    await assert.rejects(model.predictClip({ data, frames, bands: 7 }, w), isCode('ERR_INVALID_ARGUMENT', /bands/));
    await assert.rejects(model.predictClip({ data, frames, bands: 8 }, 8), isCode('ERR_INVALID_ARGUMENT', /windowFrames/));
  } finally {
    await model.close();
  }
});

test("metadata round-trips, with the exporter's own keys; reserved keys are refused", async () => {
  const file = path.join(tmp, 'meta.onnx');
  fs.writeFileSync(file, cnnBytes);
  const model = await loadFactorModel(file);
  try {
    assert.equal(model.meta['mel.sample_rate_hz'], '22050');
    assert.equal(model.meta['mel.hop_samples'], '512');
    assert.equal(model.meta['naïve ключ'], 'ünïcode ✓');
    assert.equal(model.meta[META_MIN_FRAMES], '9');
    assert.deepEqual(JSON.parse(model.meta[META_NET_CONFIG]), CNN);
  } finally {
    await model.close();
  }
  assert.throws(() => buildOnnxModel(CNN, cnnParams, { [META_MIN_FRAMES]: '1' }), isCode('ERR_INVALID_ARGUMENT', /reserved/));
  const decoded = onnx.ModelProto.decode(cnnBytes);
  assert.equal(decoded.producerName, 'earshot');
  assert.equal(Number(decoded.opsetImport[0].version), 17);
});

test('truncated, empty, non-ONNX and foreign models fail with ERR_MODEL_FORMAT; a missing file with ERR_IO', async () => {
  const truncated = path.join(tmp, 'truncated.onnx');
  fs.writeFileSync(truncated, cnnBytes.subarray(0, cnnBytes.length >> 1));
  await assert.rejects(loadFactorModel(truncated), isCode('ERR_MODEL_FORMAT', /truncated\.onnx: not a valid ONNX model: field 7 \(graph\) declares .* bytes .* remain \(truncated file\?\)/));
  await assert.rejects(loadFactorModel(new Uint8Array(0)), isCode('ERR_MODEL_FORMAT', /empty/));
  await assert.rejects(loadFactorModel(new TextEncoder().encode('{"not": "onnx"}\n')), isCode('ERR_MODEL_FORMAT'));
  await assert.rejects(loadFactorModel(path.join(tmp, 'missing.onnx')), isCode('ERR_IO', /missing\.onnx/));

  // A valid ONNX model that is not a factor network: y = Relu(x).
  const info = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }, { dimValue: 4 }] } } } });
  const relu = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }], input: [info('x')], output: [info('y')] },
  }).finish();
  await assert.rejects(loadFactorModel(relu), isCode('ERR_MODEL_FORMAT', /not an earshot factor model: the input is "x"/));
});

test('parameters that do not match the config are refused at build time', () => {
  const without = (name: string) => cnnParams.filter((p) => p.name !== name);
  const replace = (name: string, change: object) => cnnParams.map((p) => (p.name === name ? { ...p, ...change } : p));
  assert.throws(() => buildOnnxModel(CNN, without('conv1.bias')), isCode('ERR_MODEL_PARAMS', /"conv1\.bias" \[5\] is missing/));
  assert.throws(() => buildOnnxModel(CNN, replace('conv1.weight', { shape: [5, 6, 4], data: new Float32Array(120) })), isCode('ERR_MODEL_PARAMS', /"conv1\.weight" has shape \[5, 6, 4\], the config needs \[5, 6, 3\]/));
  assert.throws(() => buildOnnxModel(CNN, replace('out.bias', { data: new Float32Array(2) })), isCode('ERR_MODEL_PARAMS', /out\.bias.*3 values, got 2/));
  assert.throws(() => buildOnnxModel(CNN, replace('dense0.bias', { data: Float32Array.of(0, NaN, 0, 0, 0, 0, 0) })), isCode('ERR_MODEL_PARAMS', /dense0\.bias.*value 1 is NaN/));
  assert.throws(() => buildOnnxModel(CNN, [...cnnParams, { name: 'conv2.weight', shape: [1], data: new Float32Array(1) }]), isCode('ERR_MODEL_PARAMS', /unexpected.*conv2\.weight/));
  assert.throws(() => buildOnnxModel(CNN, [...cnnParams, cnnParams[0]]), isCode('ERR_MODEL_PARAMS', /twice/));
  assert.throws(() => buildOnnxModel({ ...CNN, dense: [8] }, cnnParams), isCode('ERR_MODEL_PARAMS', /dense0\.weight.*\[8, 15\]/));
});

test('wrong input sizes and a closed model are refused before onnxruntime runs', async () => {
  const model = await loadFactorModel(cnnBytes);
  await assert.rejects(model.predictWindows(new Float32Array(2 * 20 * 8 - 1), 2, 20), isCode('ERR_INVALID_ARGUMENT', /2 windows × 20 frames × 8 bands need 320/));
  await assert.rejects(model.predictWindows(new Float32Array(8 * 8), 1, 8), isCode('ERR_INVALID_ARGUMENT', /frames must be an integer >= 9/));
  await assert.rejects(model.predictWindows(new Float32Array(0), 0, 20), isCode('ERR_INVALID_ARGUMENT', /batch/));
  await assert.rejects(model.predictWindows([1, 2] as unknown as Float32Array, 1, 20), isCode('ERR_INVALID_ARGUMENT', /Float32Array/));
  await model.close();
  await assert.rejects(model.predictWindows(new Float32Array(20 * 8), 1, 20), isCode('ERR_INVALID_ARGUMENT', /closed/));
  await assert.rejects(loadFactorModel(cnnBytes, { threads: 0 }), isCode('ERR_INVALID_ARGUMENT', /threads/));
});
