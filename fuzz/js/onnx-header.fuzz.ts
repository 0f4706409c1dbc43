/**
 * Fuzz target `onnx-header`: the top-level ONNX ModelProto walk, readOnnxHeader (src/model/onnx-header.ts),
 * which checks a model file's framing before onnxruntime sees it. Asserts: only EarshotError
 * ERR_MODEL_FORMAT; an accepted header has an ir_version >= 1; and re-encoding the header (ir_version,
 * producer_name, opset_import, metadata_props and an empty graph) as protobuf reads back to the same header.
 */
import { readOnnxHeader, type OnnxHeader } from '../../src/model/onnx-header';
import { check, expectEarshotError, expectSame } from './harness';

function read(bytes: Uint8Array): OnnxHeader | null {
  try {
    return readOnnxHeader(bytes, 'fuzz.onnx');
  } catch (err) {
    expectEarshotError(err, ['ERR_MODEL_FORMAT']);
    return null;
  }
}

function varint(v: number): number[] {
  const out: number[] = [];
  let x = BigInt(v);
  do {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x > 0n ? b | 0x80 : b);
  } while (x > 0n);
  return out;
}

function field(no: number, body: number[] | Uint8Array): number[] {
  return [...varint(no * 8 + 2), ...varint(body.length), ...body];
}

const utf8 = (s: string) => new TextEncoder().encode(s);

function encode(h: OnnxHeader): Uint8Array {
  const out: number[] = [...varint(1 * 8), ...varint(h.irVersion), ...field(2, utf8(h.producerName))];
  for (const [domain, version] of h.opsets) out.push(...field(8, [...field(1, utf8(domain)), ...varint(2 * 8), ...varint(version)]));
  for (const [k, v] of Object.entries(h.metadata)) out.push(...field(14, [...field(1, utf8(k)), ...field(2, utf8(v))]));
  out.push(...field(7, []));
  return Uint8Array.from(out);
}

export function fuzz(data: Buffer): void {
  const h = read(data);
  if (h === null) return;
  check(h.irVersion >= 1, 'ir_version 0 accepted');
  // Re-encodable only when every number is a protobuf varint (exact below 2^53).
  const exact = (v: number) => Number.isSafeInteger(v) && v >= 0;
  if (!exact(h.irVersion) || ![...h.opsets.values()].every(exact)) return;
  expectSame(read(encode(h)), h, 'readOnnxHeader(encode(header)) differs from the header');
}
