/**
 * A bundle with another model: a copy of the default bundle whose network's output rows are reversed
 * (factor j of the new model is factor F−1−j of the old one). It runs and predicts as well as the original,
 * in another factor space: what a retrained model is to a catalogue made with the old one. Its streaming
 * pair is made again from the new model.onnx, as a retrained bundle's would be.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { addStreamPair } from '../../trainer/export/stream-pair';
import { bundleCopy } from './engine-client';

export function otherModelBundle(): string {
  const dir = bundleCopy();
  const file = path.join(dir, 'model.onnx');
  const model = onnx.ModelProto.decode(fs.readFileSync(file));
  const byName = new Map(model.graph!.initializer!.map((t) => [t.name, t]));
  const weight = byName.get('out.weight')!;
  const bias = byName.get('out.bias')!;
  const [rows, cols] = weight.dims!.map(Number);
  const floats = (t: onnx.ITensorProto): Float32Array => {
    const raw = t.rawData!;
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  };
  const w = floats(weight), b = floats(bias);
  const w2 = new Float32Array(w.length), b2 = new Float32Array(b.length);
  for (let r = 0; r < rows; r++) {
    w2.set(w.subarray((rows - 1 - r) * cols, (rows - r) * cols), r * cols);
    b2[r] = b[rows - 1 - r];
  }
  weight.rawData = new Uint8Array(w2.buffer);
  bias.rawData = new Uint8Array(b2.buffer);
  fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());
  addStreamPair(dir);
  return dir;
}
