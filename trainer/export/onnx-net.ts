/**
 * Exports a trained audio→factors network (trainer/cnn/net-config.ts) as an ONNX model, so that the
 * engine runs it with onnxruntime (node, CPU or GPU) or in a browser (onnxruntime-web) without libtorch.
 *
 * Graph (opset 17, so ReduceMean/ReduceMax/ReduceL2 still take `axes` as an attribute; 18 moved it to an
 * input), weights as float32 initializers stored as raw little-endian bytes:
 *   mel [batch, frames, bands] → Transpose(0,2,1) → {Conv → Relu → MaxPool?}* → Reduce{Mean,Max,L2}(axis 2)
 *   → Concat(axis 1) → {Gemm(transB=1) → Relu}* → Gemm(transB=1) → factors [batch, outputs]
 * `batch` and `frames` are symbolic dims; the `features` [batch, features] input starts at the Gemms.
 *
 * Metadata: the caller's `meta` (e.g. the mel parameters a bundle was trained on) plus two keys of
 * earshot's own, which the engine reads without needing this trainer module:
 *   earshot.net_config  the NetConfig as JSON (provenance; dropout included though unused here)
 *   earshot.min_frames  minFrames(config) as a decimal string (shortest input the convolutions accept)
 */
import { onnx } from 'onnx-proto';
import { EarshotError } from '../../src/errors';
import { checkNetParameters, minFrames, validateNetConfig, type ConvLayer, type GlobalPool, type NetConfig, type NetParameter } from '../cnn/net-config';

/** ONNX operator set; 17 is the last with `axes` as a Reduce* attribute, and every runtime we target has it. */
export const OPSET = 17;
/** IR version 8 is the one released with opset 17 (ONNX 1.12); older readers refuse newer IR versions. */
const IR_VERSION = 8;
export const META_NET_CONFIG = 'earshot.net_config';
export const META_MIN_FRAMES = 'earshot.min_frames';

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
const ATTR_INT = onnx.AttributeProto.AttributeType.INT;
const ATTR_INTS = onnx.AttributeProto.AttributeType.INTS;

type Attr = number | number[];

export function node(opType: string, inputs: string[], output: string, attrs: Record<string, Attr> = {}): onnx.INodeProto {
  const attribute = Object.entries(attrs).map(([name, v]): onnx.IAttributeProto => (Array.isArray(v) ? { name, type: ATTR_INTS, ints: v } : { name, type: ATTR_INT, i: v }));
  return { opType, input: inputs, output: [output], name: output, attribute };
}

/** Float32 values as ONNX raw_data, which the spec fixes as little-endian whatever the host. */
function littleEndianBytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

export function initializer(p: NetParameter): onnx.ITensorProto {
  return { name: p.name, dataType: FLOAT, dims: p.shape, rawData: littleEndianBytes(p.data) };
}

export function tensorInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

/** One conv layer on the [batch, channels, time] tensor `x`: Conv → Relu → MaxPool (pool > 1); returns the output's name. */
export function convLayerNodes(nodes: onnx.INodeProto[], layer: ConvLayer, i: number, x: string): string {
  nodes.push(node('Conv', [x, `conv${i}.weight`, `conv${i}.bias`], `conv${i}`, { kernel_shape: [layer.kernel], strides: [1], pads: [0, 0], dilations: [1], group: 1 }));
  nodes.push(node('Relu', [`conv${i}`], `conv${i}_relu`));
  if (layer.pool === 1) return `conv${i}_relu`;
  // ceil_mode 0 = floor: a partial last pooling window is dropped, as torch's MaxPool1d default.
  nodes.push(node('MaxPool', [`conv${i}_relu`], `conv${i}_pool`, { kernel_shape: [layer.pool], strides: [layer.pool], pads: [0, 0], ceil_mode: 0 }));
  return `conv${i}_pool`;
}

/** Global pools over the time axis (`timeAxis`: 2 for [batch, channels, time], 1 for [batch, time, channels]) of `x`, concatenated: returns the [batch, width] tensor's name. */
export function globalPoolNodes(nodes: onnx.INodeProto[], pools: readonly GlobalPool[], x: string, timeAxis = 2): string {
  const op = { mean: 'ReduceMean', max: 'ReduceMax', l2: 'ReduceL2' } as const;
  const pooled = pools.map((p) => {
    nodes.push(node(op[p], [x], `global_${p}`, { axes: [timeAxis], keepdims: 0 }));
    return `global_${p}`;
  });
  if (pooled.length === 1) return pooled[0];
  nodes.push(node('Concat', pooled, 'pooled', { axis: 1 }));
  return 'pooled';
}

/** The dense layers and the linear output on the [batch, width] tensor `x`; the output is named `factors`. */
export function denseNodes(nodes: onnx.INodeProto[], config: NetConfig, x: string): void {
  config.dense.forEach((_, j) => {
    nodes.push(node('Gemm', [x, `dense${j}.weight`, `dense${j}.bias`], `dense${j}`, { transB: 1 }));
    nodes.push(node('Relu', [`dense${j}`], `dense${j}_relu`));
    x = `dense${j}_relu`;
  });
  nodes.push(node('Gemm', [x, 'out.weight', 'out.bias'], 'factors', { transB: 1 }));
}

/** Checks caller metadata: strings only, none of the exporter's own keys (`reserved`). */
export function checkMeta(meta: Record<string, string>, reserved: readonly string[]): void {
  for (const [key, value] of Object.entries(meta)) {
    if (reserved.includes(key)) throw new EarshotError('ERR_INVALID_ARGUMENT', `metadata key "${key}" is reserved: the exporter writes it`);
    if (typeof value !== 'string') throw new EarshotError('ERR_INVALID_ARGUMENT', `metadata "${key}" must be a string, got ${typeof value}`);
  }
}

/** The ModelProto bytes of `graph` at this exporter's opset and IR version. */
export function encodeModel(graph: onnx.IGraphProto, meta: Record<string, string>): Uint8Array {
  const metadataProps = Object.entries(meta).map(([key, value]) => ({ key, value }));
  const model: onnx.IModelProto = { irVersion: IR_VERSION, producerName: 'earshot', opsetImport: [{ domain: '', version: OPSET }], graph, metadataProps };
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Builds the ONNX ModelProto bytes for `config` with trained `params`. Validates the config
 * (ERR_INVALID_ARGUMENT) and the parameters against it (ERR_MODEL_PARAMS) before building anything.
 */
export function buildOnnxModel(config: NetConfig, params: readonly NetParameter[], meta: Record<string, string> = {}): Uint8Array {
  const cfg = validateNetConfig(config);
  const byName = checkNetParameters(cfg, params);
  checkMeta(meta, [META_NET_CONFIG, META_MIN_FRAMES]);

  const nodes: onnx.INodeProto[] = [];
  let x: string;
  let input: onnx.IValueInfoProto;
  if (cfg.input.kind === 'mel') {
    input = tensorInfo('mel', ['batch', 'frames', cfg.input.bands]);
    nodes.push(node('Transpose', ['mel'], 'mel_bands_by_frames', { perm: [0, 2, 1] }));
    x = 'mel_bands_by_frames';
    cfg.conv.forEach((layer, i) => (x = convLayerNodes(nodes, layer, i, x)));
    x = globalPoolNodes(nodes, cfg.globalPool, x);
  } else {
    input = tensorInfo('features', ['batch', cfg.input.features]);
    x = 'features';
  }
  denseNodes(nodes, cfg, x);

  const graph: onnx.IGraphProto = {
    name: 'earshot_factor_net',
    node: nodes,
    initializer: [...byName.values()].map(initializer),
    input: [input],
    output: [tensorInfo('factors', ['batch', cfg.outputs])],
  };
  return encodeModel(graph, { ...meta, [META_NET_CONFIG]: JSON.stringify(cfg), [META_MIN_FRAMES]: String(minFrames(cfg)) });
}
