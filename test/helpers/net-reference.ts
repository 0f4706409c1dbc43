/**
 * A deliberately plain float64 forward pass of the audio→factors network, written from the NetConfig
 * description alone (loops, no onnx, no torch), as the oracle for the ONNX export and for any other
 * backend (libtorch) that implements the same layers. Also: seeded random parameters for a config.
 */
import * as assert from 'node:assert/strict';
import { EarshotError } from '../../src/errors';
import type { NetConfig, NetParameter } from '../../trainer/cnn/net-config';
import type { Rand } from '../../trainer/eval/prng';

/** Channels × time, float64. */
type Signal = Float64Array[];

function get(params: readonly NetParameter[], name: string): NetParameter {
  const p = params.find((q) => q.name === name);
  if (!p) throw new Error(`reference: no parameter ${name}`);
  return p;
}

/** y[o][t] = b[o] + Σ_c Σ_k W[o][c][k] · x[c][t + k], t = 0 .. T − K (valid, stride 1), then ReLU. */
function convRelu(x: Signal, w: NetParameter, b: NetParameter): Signal {
  const [filters, inCh, kernel] = w.shape;
  const outT = x[0].length - kernel + 1;
  const y: Signal = [];
  for (let o = 0; o < filters; o++) {
    const row = new Float64Array(outT);
    for (let t = 0; t < outT; t++) {
      let s = b.data[o];
      for (let c = 0; c < inCh; c++) for (let k = 0; k < kernel; k++) s += w.data[(o * inCh + c) * kernel + k] * x[c][t + k];
      row[t] = Math.max(0, s);
    }
    y.push(row);
  }
  return y;
}

/** Max over non-overlapping runs of `pool` steps; a partial last run is dropped (floor). */
function maxPool(x: Signal, pool: number): Signal {
  return x.map((row) => {
    const out = new Float64Array(Math.floor(row.length / pool));
    for (let t = 0; t < out.length; t++) {
      let m = -Infinity;
      for (let j = 0; j < pool; j++) m = Math.max(m, row[t * pool + j]);
      out[t] = m;
    }
    return out;
  });
}

function globalPool(x: Signal, kind: 'mean' | 'max' | 'l2'): number[] {
  return x.map((row) => {
    if (kind === 'max') return Math.max(...row);
    if (kind === 'mean') return row.reduce((a, v) => a + v, 0) / row.length;
    return Math.sqrt(row.reduce((a, v) => a + v * v, 0));
  });
}

/** y = W x + b with W [out, in]; ReLU unless it is the output layer. */
function linear(x: number[], w: NetParameter, b: NetParameter, relu: boolean): number[] {
  const [out, inW] = w.shape;
  const y: number[] = [];
  for (let o = 0; o < out; o++) {
    let s = b.data[o];
    for (let i = 0; i < inW; i++) s += w.data[o * inW + i] * x[i];
    y.push(relu ? Math.max(0, s) : s);
  }
  return y;
}

/** One example: `input` is frames × bands row-major (mel) or the feature vector; returns the factors. */
export function referenceForward(config: NetConfig, params: readonly NetParameter[], input: ArrayLike<number>, frames: number): number[] {
  let v: number[];
  if (config.input.kind === 'mel') {
    const bands = config.input.bands;
    let x: Signal = [];
    for (let c = 0; c < bands; c++) x.push(Float64Array.from({ length: frames }, (_, t) => input[t * bands + c]));
    config.conv.forEach((layer, i) => {
      x = convRelu(x, get(params, `conv${i}.weight`), get(params, `conv${i}.bias`));
      if (layer.pool > 1) x = maxPool(x, layer.pool);
    });
    v = config.globalPool.flatMap((kind) => globalPool(x, kind));
  } else {
    v = Array.from(input);
  }
  config.dense.forEach((_, j) => {
    v = linear(v, get(params, `dense${j}.weight`), get(params, `dense${j}.bias`), true);
  });
  return linear(v, get(params, 'out.weight'), get(params, 'out.bias'), false);
}

/** `batch` examples back to back → batch × outputs, row-major. */
export function referenceBatch(config: NetConfig, params: readonly NetParameter[], input: Float32Array, batch: number, frames: number): Float64Array {
  const per = input.length / batch;
  const out = new Float64Array(batch * config.outputs);
  for (let b = 0; b < batch; b++) out.set(referenceForward(config, params, input.subarray(b * per, (b + 1) * per), frames), b * config.outputs);
  return out;
}

/**
 * Uniform weights in ±sqrt(3 / fan_in) (unit-variance activations, so ReLUs neither all die nor
 * explode through the layers) and biases in ±0.1, for each (name, shape) in order.
 */
export function randomParameters(shapes: { name: string; shape: number[] }[], rand: Rand): NetParameter[] {
  return shapes.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length > 1 ? size / shape[0] : 1;
    const scale = shape.length > 1 ? Math.sqrt(3 / fanIn) : 0.1;
    return { name, shape: [...shape], data: Float32Array.from({ length: size }, () => (rand() * 2 - 1) * scale) };
  });
}

/** n values uniform in ±scale. */
export function randomArray(n: number, rand: Rand, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

/** The small CNN the backend tests share: two convolutions (one pooled), all three global pools, one hidden layer. */
export const TEST_CNN: NetConfig = {
  input: { kind: 'mel', bands: 8 },
  conv: [
    { filters: 6, kernel: 4, pool: 2 },
    { filters: 5, kernel: 3, pool: 1 },
  ],
  globalPool: ['mean', 'max', 'l2'],
  dense: [7],
  dropout: 0,
  outputs: 3,
};

/** Row-wise closeness: every value within 1e-5 of its row's largest magnitude (rows of `width`). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, width: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let row = 0; row < expected.length / width; row++) {
    let scale = 0;
    for (let i = 0; i < width; i++) scale = Math.max(scale, Math.abs(expected[row * width + i]));
    for (let i = 0; i < width; i++) {
      const j = row * width + i;
      assert.ok(Math.abs(actual[j] - expected[j]) <= 1e-5 * scale, `${what}: [${row}, ${i}] = ${actual[j]}, reference ${expected[j]} (row scale ${scale})`);
    }
  }
}

/** An assert.throws/rejects predicate: an EarshotError with `code` (and a message matching `pattern`). */
export function isCode(code: string, pattern?: RegExp) {
  return (err: unknown) => err instanceof EarshotError && err.code === code && (pattern === undefined || pattern.test(err.message));
}
