/**
 * The CNN's architecture (van den Oord et al. 2013, Sec. 4.2; Dieleman 2014), shared by every training
 * backend and the ONNX exporter: validated once here, so the backends get clean, complete configs.
 *
 *   mel [batch, frames, bands] -> (conv1d 'valid' -> ReLU -> max-pool)* -> global pools over time,
 *   concatenated -> (dropout -> dense -> ReLU)* -> linear out [batch, outputs]
 *
 * Parameter names and shapes (the exporter's contract): conv{i}.weight [filters, inChannels, kernel],
 * conv{i}.bias [filters], dense{j}.weight [out, in], dense{j}.bias [out], out.weight [outputs, in],
 * out.bias [outputs], i and j from 0.
 */
import { EarshotError } from '../../src/errors';

export type GlobalPoolKind = 'mean' | 'max' | 'l2';

export interface ConvLayerConfig {
  /** Output channels. */
  filters: number;
  /** Kernel length in frames (no padding: each layer shortens the sequence by kernel − 1 frames). */
  kernel: number;
  /** Max-pool size = stride in frames, floor mode; 1 = no pooling. */
  pool: number;
}

export interface NetConfig {
  /** 'mel': [batch, frames, bands] log-mel windows (src/dsp/mel.ts layout); 'vector': [batch, features]. */
  input: { kind: 'mel'; bands: number } | { kind: 'vector'; features: number };
  /** 1-D convolutions over time (mel input only). Paper: [{256,4,4},{256,4,2},{512,4,1}]. */
  conv: ConvLayerConfig[];
  /** Pools over all remaining frames, concatenated along channels in this order (mel input: ≥ 1). */
  globalPool: GlobalPoolKind[];
  /** Hidden ReLU layer widths, e.g. [2048, 2048]. */
  dense: number[];
  /** Probability in [0, 0.99] of zeroing each input of every dense{j} layer while training (not out's input). */
  dropout: number;
  /** F, the number of latent factors predicted (linear output). */
  outputs: number;
}

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

const MAX_WIDTH = 1 << 20;

function bad(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

function width(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_WIDTH) bad(`${name} must be an integer in 1..${MAX_WIDTH}, got ${String(v)}`);
  return v;
}

/**
 * Checks a NetConfig and returns a clean copy holding only the known fields (in a fixed order, so that
 * netConfigJson() identifies an architecture). Throws ERR_INVALID_ARGUMENT naming the field.
 */
export function validateNetConfig(config: NetConfig): NetConfig {
  if (typeof config !== 'object' || config === null) bad('config must be a NetConfig object');
  const inp = config.input as { kind?: unknown; bands?: unknown; features?: unknown } | undefined;
  if (typeof inp !== 'object' || inp === null) bad("config.input must be { kind: 'mel', bands } or { kind: 'vector', features }");
  let input: NetConfig['input'];
  if (inp.kind === 'mel') input = { kind: 'mel', bands: width('config.input.bands', inp.bands) };
  else if (inp.kind === 'vector') input = { kind: 'vector', features: width('config.input.features', inp.features) };
  else bad(`config.input.kind must be 'mel' or 'vector', got ${String(inp.kind)}`);

  if (!Array.isArray(config.conv)) bad('config.conv must be an array (possibly empty)');
  if (config.conv.length > 64) bad(`config.conv has ${config.conv.length} layers; at most 64`);
  const conv = config.conv.map((c, i) => {
    if (typeof c !== 'object' || c === null) bad(`config.conv[${i}] must be { filters, kernel, pool }`);
    return { filters: width(`config.conv[${i}].filters`, c.filters), kernel: width(`config.conv[${i}].kernel`, c.kernel), pool: width(`config.conv[${i}].pool`, c.pool) };
  });

  if (!Array.isArray(config.globalPool)) bad("config.globalPool must be an array of 'mean' | 'max' | 'l2'");
  const globalPool = config.globalPool.map((p, i) => {
    if (p !== 'mean' && p !== 'max' && p !== 'l2') bad(`config.globalPool[${i}] must be 'mean', 'max' or 'l2', got ${String(p)}`);
    return p;
  });
  if (new Set(globalPool).size !== globalPool.length) bad(`config.globalPool lists a pool twice: ${globalPool.join(', ')}`);
  if (input.kind === 'mel' && globalPool.length === 0) bad('config.globalPool must name at least one pool for a mel input (it removes the time axis)');
  if (input.kind === 'vector' && (conv.length > 0 || globalPool.length > 0)) bad('a vector input has no time axis: config.conv and config.globalPool must be empty');

  if (!Array.isArray(config.dense)) bad('config.dense must be an array of layer widths (possibly empty)');
  if (config.dense.length > 64) bad(`config.dense has ${config.dense.length} layers; at most 64`);
  const dense = config.dense.map((d, j) => width(`config.dense[${j}]`, d));
  const dropout = config.dropout;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 0.99)) bad(`config.dropout must be a number in [0, 0.99], got ${String(dropout)}`);
  const outputs = width('config.outputs', config.outputs);

  const clean: NetConfig = { input, conv, globalPool, dense, dropout, outputs };
  const params = parameterShapes(clean).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  if (params > 2 ** 31 - 1) bad(`the network has ${params} parameters; at most 2^31 - 1 (one Float32Array each)`);
  return clean;
}

/** The canonical JSON of a validated config: equal strings mean the same architecture. */
export function netConfigJson(config: NetConfig): string {
  return JSON.stringify(config);
}

/**
 * Fewest frames a mel input needs: walking back from one output frame, a max-pool of p needs p frames
 * per output frame (floor mode) and a 'valid' conv of kernel k needs k − 1 more. Paper net: 47.
 */
export function minFrames(config: NetConfig): number {
  let need = 1;
  for (let i = config.conv.length - 1; i >= 0; i--) need = need * config.conv[i].pool + config.conv[i].kernel - 1;
  return need;
}

/** Every parameter's name and shape, in the order TorchNet.parameters() returns them. */
export function parameterShapes(config: NetConfig): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  let channels = config.input.kind === 'mel' ? config.input.bands : config.input.features;
  config.conv.forEach((c, i) => {
    out.push({ name: `conv${i}.weight`, shape: [c.filters, channels, c.kernel] }, { name: `conv${i}.bias`, shape: [c.filters] });
    channels = c.filters;
  });
  let width = config.input.kind === 'mel' ? channels * config.globalPool.length : channels;
  config.dense.forEach((d, j) => {
    out.push({ name: `dense${j}.weight`, shape: [d, width] }, { name: `dense${j}.bias`, shape: [d] });
    width = d;
  });
  out.push({ name: 'out.weight', shape: [config.outputs, width] }, { name: 'out.bias', shape: [config.outputs] });
  return out;
}
