/**
 * The audio→factors network's shape, shared by the libtorch trainer and the ONNX exporter so that both
 * build the same layers with the same parameter names. van den Oord et al. (2013) use 1-D convolutions
 * over time on a log-mel window (bands are the input channels), max-pooling over time, global temporal
 * pooling (mean, max, L2) and fully connected layers regressing the WMF song factors.
 *
 * Layers, in order (inference; dropout exists only in training):
 *   mel [batch, frames, bands] → transpose → [batch, bands, frames]
 *   per conv i: Conv1d(valid, stride 1) → ReLU → MaxPool1d(kernel = stride = pool, floor) (pool 1: none)
 *   global pools over time, concatenated along channels in config order: mean, max, l2 = sqrt(Σ x²)
 *   per dense j: Linear → ReLU;  then the linear output layer → factors [batch, outputs]
 * A 'vector' input ([batch, features], e.g. MFCC statistics) skips the convolutions and global pools.
 */
import { EarshotError } from '../../src/errors';

export type NetInput = { kind: 'mel'; bands: number } | { kind: 'vector'; features: number };

export interface ConvLayer {
  /** Output channels. */
  filters: number;
  /** Taps over time, in frames (valid padding, stride 1: the layer shortens time by kernel - 1). */
  kernel: number;
  /** Max-pool width = stride over time, in frames; floor division drops a partial last window; 1 = none. */
  pool: number;
}

export type GlobalPool = 'mean' | 'max' | 'l2';

export interface NetConfig {
  input: NetInput;
  conv: ConvLayer[];
  /** Over time after the convolutions; outputs are concatenated along channels in this order. */
  globalPool: GlobalPool[];
  /** Widths of the hidden Linear + ReLU layers. */
  dense: number[];
  /** Training only: drop probability in [0, 1) before each dense and the output layer; absent at inference. */
  dropout: number;
  /** Width of the linear output layer (the number of WMF factors). */
  outputs: number;
}

/** One trained tensor, row-major float32: conv{i}.weight [filters, inChannels, kernel], conv{i}.bias [filters], dense{j}.weight [out, in], dense{j}.bias [out], out.weight, out.bias. */
/** The paper's network on 3-s windows of 128-band log-mel frames (130 frames at 22,050 Hz, hop 512). */
export const PAPER_NET: NetConfig = {
  input: { kind: 'mel', bands: 128 },
  conv: [
    { filters: 256, kernel: 4, pool: 4 },
    { filters: 256, kernel: 4, pool: 2 },
    { filters: 512, kernel: 4, pool: 1 },
  ],
  globalPool: ['mean', 'max', 'l2'],
  dense: [2048, 2048],
  dropout: 0.5,
  outputs: 50,
};

export interface NetParameter {
  name: string;
  shape: number[];
  data: Float32Array;
}

const POOLS: readonly GlobalPool[] = ['mean', 'max', 'l2'];
/** Generous sanity ceilings (not architecture limits): they catch unit mix-ups such as seconds vs frames. */
const MAX_WIDTH = 1 << 16;

function bad(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', `net config: ${message}`);
}

function checkWidth(value: unknown, name: string, max = MAX_WIDTH): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) bad(`${name} must be an integer in 1..${max}, got ${JSON.stringify(value)}`);
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks an untrusted value (e.g. parsed JSON) and returns a fresh, well-typed NetConfig; throws
 * ERR_INVALID_ARGUMENT naming the first bad field. Also refuses a config whose time axis has no length
 * (a mel net needs at least one global pool; a vector net can have neither convolutions nor pools).
 */
export function validateNetConfig(value: unknown): NetConfig {
  if (!isRecord(value)) bad('must be an object');
  const input = value.input;
  if (!isRecord(input)) bad('input must be { kind: "mel", bands } or { kind: "vector", features }');
  let netInput: NetInput;
  if (input.kind === 'mel') netInput = { kind: 'mel', bands: checkWidth(input.bands, 'input.bands') };
  else if (input.kind === 'vector') netInput = { kind: 'vector', features: checkWidth(input.features, 'input.features') };
  else bad(`input.kind must be "mel" or "vector", got ${JSON.stringify(input.kind)}`);
  if (!Array.isArray(value.conv)) bad('conv must be an array (may be empty)');
  const conv: ConvLayer[] = value.conv.map((layer: unknown, i: number) => {
    if (!isRecord(layer)) bad(`conv[${i}] must be { filters, kernel, pool }`);
    return { filters: checkWidth(layer.filters, `conv[${i}].filters`), kernel: checkWidth(layer.kernel, `conv[${i}].kernel`, 4096), pool: checkWidth(layer.pool, `conv[${i}].pool`, 4096) };
  });
  if (!Array.isArray(value.globalPool)) bad('globalPool must be an array of "mean" | "max" | "l2"');
  const globalPool: GlobalPool[] = value.globalPool.map((p: unknown, i: number) => {
    if (!POOLS.includes(p as GlobalPool)) bad(`globalPool[${i}] must be one of ${POOLS.join(', ')}, got ${JSON.stringify(p)}`);
    return p as GlobalPool;
  });
  if (new Set(globalPool).size !== globalPool.length) bad(`globalPool lists a pool twice: ${globalPool.join(', ')}`);
  if (!Array.isArray(value.dense)) bad('dense must be an array of hidden widths (may be empty)');
  const dense: number[] = value.dense.map((w: unknown, j: number) => checkWidth(w, `dense[${j}]`));
  const dropout = value.dropout;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) bad(`dropout must be a probability in [0, 1), got ${JSON.stringify(dropout)}`);
  const outputs = checkWidth(value.outputs, 'outputs');
  if (netInput.kind === 'mel' && globalPool.length === 0) bad('a mel input needs at least one global pool (the dense layers need a fixed width, frames are dynamic)');
  if (netInput.kind === 'vector' && (conv.length > 0 || globalPool.length > 0)) bad('a vector input has no time axis: conv and globalPool must be empty');
  return { input: netInput, conv, globalPool, dense, dropout, outputs };
}

/**
 * The fewest input frames for which every conv and pool still has at least one time step left
 * (1 for a vector input). Worked backwards from one output step: a floor pool of width p needs p·n
 * inputs for n outputs; a valid conv of k taps needs n + k − 1.
 */
export function minFrames(config: NetConfig): number {
  if (config.input.kind === 'vector') return 1;
  let need = 1;
  for (let i = config.conv.length - 1; i >= 0; i--) need = need * config.conv[i].pool + config.conv[i].kernel - 1;
  return need;
}

/** Time steps left after the convolutions for an input of `frames` frames (≤ 0: too short). */
export function framesAfterConv(config: NetConfig, frames: number): number {
  let t = frames;
  for (const layer of config.conv) t = Math.floor((t - layer.kernel + 1) / layer.pool);
  return t;
}

/** Width of the vector entering the first dense layer: channels × number of global pools, or the features. */
export function pooledWidth(config: NetConfig): number {
  if (config.input.kind === 'vector') return config.input.features;
  const channels = config.conv.length > 0 ? config.conv[config.conv.length - 1].filters : config.input.bands;
  return channels * config.globalPool.length;
}

/** Every parameter the config needs, in layer order, with its shape (the names the trainer must use). */
export function parameterShapes(config: NetConfig): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  let channels = config.input.kind === 'mel' ? config.input.bands : config.input.features;
  config.conv.forEach((layer, i) => {
    out.push({ name: `conv${i}.weight`, shape: [layer.filters, channels, layer.kernel] }, { name: `conv${i}.bias`, shape: [layer.filters] });
    channels = layer.filters;
  });
  let width = pooledWidth(config);
  config.dense.forEach((w, j) => {
    out.push({ name: `dense${j}.weight`, shape: [w, width] }, { name: `dense${j}.bias`, shape: [w] });
    width = w;
  });
  out.push({ name: 'out.weight', shape: [config.outputs, width] }, { name: 'out.bias', shape: [config.outputs] });
  return out;
}

/**
 * Checks trained parameters against the config: every expected name exactly once, no extras, the exact
 * shape, a Float32Array of that many values, all finite (a NaN weight would export fine and predict NaN
 * for every song). Throws ERR_MODEL_PARAMS naming the parameter; returns them by name.
 */
export function checkNetParameters(config: NetConfig, params: readonly NetParameter[]): Map<string, NetParameter> {
  const byName = new Map<string, NetParameter>();
  for (const p of params) {
    if (byName.has(p.name)) throw new EarshotError('ERR_MODEL_PARAMS', `parameter "${p.name}" is given twice`);
    byName.set(p.name, p);
  }
  const expected = parameterShapes(config);
  const known = new Set(expected.map((e) => e.name));
  const extra = [...byName.keys()].filter((n) => !known.has(n));
  if (extra.length > 0) throw new EarshotError('ERR_MODEL_PARAMS', `unexpected parameter(s) ${extra.map((n) => `"${n}"`).join(', ')}; this config has ${[...known].join(', ')}`);
  for (const { name, shape } of expected) {
    const p = byName.get(name);
    if (!p) throw new EarshotError('ERR_MODEL_PARAMS', `parameter "${name}" [${shape.join(', ')}] is missing`);
    if (!Array.isArray(p.shape) || p.shape.length !== shape.length || p.shape.some((d, i) => d !== shape[i])) {
      throw new EarshotError('ERR_MODEL_PARAMS', `parameter "${name}" has shape [${Array.isArray(p.shape) ? p.shape.join(', ') : String(p.shape)}], the config needs [${shape.join(', ')}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(p.data instanceof Float32Array) || p.data.length !== size) {
      throw new EarshotError('ERR_MODEL_PARAMS', `parameter "${name}" must be a Float32Array of ${size} values, got ${p.data instanceof Float32Array ? p.data.length : typeof p.data}`);
    }
    for (let i = 0; i < size; i++) {
      if (!Number.isFinite(p.data[i])) throw new EarshotError('ERR_MODEL_PARAMS', `parameter "${name}" value ${i} is ${p.data[i]}; weights must be finite`);
    }
  }
  return byName;
}

/** Forward multiply-adds for one input of `frames` frames: each conv output step costs inChannels × kernel per filter. */
export function macsPerWindow(config: NetConfig, frames: number): number {
  let macs = 0;
  let inCh = config.input.kind === 'mel' ? config.input.bands : config.input.features;
  config.conv.forEach((layer, i) => {
    const steps = framesAfterConv({ ...config, conv: config.conv.slice(0, i) }, frames) - layer.kernel + 1;
    macs += steps * layer.filters * inCh * layer.kernel;
    inCh = layer.filters;
  });
  let width = pooledWidth(config);
  for (const w of [...config.dense, config.outputs]) {
    macs += width * w;
    width = w;
  }
  return macs;
}
