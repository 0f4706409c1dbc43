/**
 * Reads a model.onnx written by onnx-net.ts back into its NetConfig and trained parameters (the
 * float32 initializers, input standardisation already folded in), so that a bundle's streaming pair
 * (onnx-stream.ts) can be built from the very weights it serves without retraining.
 */
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import { EarshotError } from '../../src/errors';
import { checkNetParameters, parameterShapes, validateNetConfig, type NetConfig, type NetParameter } from '../cnn/net-config';
import { META_NET_CONFIG } from './onnx-net';

function bad(source: string, message: string): never {
  throw new EarshotError('ERR_MODEL_FORMAT', `${source}: ${message}`);
}

/** A float32 initializer's values (raw little-endian bytes or float_data, as the spec allows either). */
function floats(t: onnx.ITensorProto, source: string): Float32Array {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) bad(source, `initializer "${t.name}" is not float32`);
  const size = (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1);
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== size * 4) bad(source, `initializer "${t.name}" holds ${t.rawData.length} bytes, its shape needs ${size * 4}`);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Float32Array.from({ length: size }, (_, i) => view.getFloat32(i * 4, true));
  }
  const data = Float32Array.from(t.floatData ?? []);
  if (data.length !== size) bad(source, `initializer "${t.name}" holds ${data.length} values, its shape needs ${size}`);
  return data;
}

/** The exported network's config (its earshot.net_config metadata) and parameters, checked against each other. */
export function readOnnxNet(file: string): { config: NetConfig; params: NetParameter[] } {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    return bad(file, `not an ONNX model (${(err as Error).message})`);
  }
  const meta = (model.metadataProps ?? []).find((p) => p.key === META_NET_CONFIG);
  if (!meta?.value) return bad(file, `has no ${META_NET_CONFIG} metadata: not exported by earshot-train`);
  let config: NetConfig;
  try {
    config = validateNetConfig(JSON.parse(meta.value));
  } catch (err) {
    return bad(file, `${META_NET_CONFIG} is not a valid net config (${(err as Error).message})`);
  }
  const byName = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const params = parameterShapes(config).map(({ name }) => {
    const t = byName.get(name);
    if (!t) return bad(file, `lacks the parameter "${name}" its net config needs`);
    return { name, shape: (t.dims ?? []).map(Number), data: floats(t, file) };
  });
  try {
    checkNetParameters(config, params);
  } catch (err) {
    return bad(file, (err as Error).message);
  }
  return { config, params };
}
