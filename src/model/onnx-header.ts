/**
 * Reads the top level of an ONNX ModelProto (protobuf) without decoding the graph: checks that the
 * framing of every top-level field fits the bytes (a truncated download fails here with the byte
 * offset, instead of deep inside onnxruntime) and returns ir_version, the opsets and metadata_props,
 * which onnxruntime's JS API does not expose. Walking the top level costs O(number of fields), not
 * O(model size): the graph's megabytes of weights are skipped by their length prefix.
 */
import { EarshotError } from '../errors';

export interface OnnxHeader {
  irVersion: number;
  producerName: string;
  /** Operator set per domain ('' = the default ai.onnx domain). */
  opsets: Map<string, number>;
  metadata: Record<string, string>;
}

/** ModelProto field numbers (onnx.proto3). */
const FIELD = { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8, metadataProps: 14 } as const;
const FIELD_NAMES: Record<number, string> = { 1: 'ir_version', 2: 'producer_name', 7: 'graph', 8: 'opset_import', 14: 'metadata_props' };
const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    private readonly fail: (msg: string) => never,
    readonly end = buf.length,
  ) {}

  /** Unsigned varint; exact up to 2^53 (plenty for lengths and versions), by arithmetic not bit ops. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail(`varint at byte ${this.pos} runs past the end`);
      const b = this.buf[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    return this.fail(`varint at byte ${this.pos} is longer than 10 bytes`);
  }

  /** Skips or slices a field body of the given wire type; returns the slice for length-delimited fields. */
  body(wire: number, field: number): Uint8Array | number | undefined {
    const at = this.pos;
    const skip = (n: number) => {
      if (n > this.end - this.pos) this.fail(`field ${field}${FIELD_NAMES[field] ? ` (${FIELD_NAMES[field]})` : ''} declares ${n.toLocaleString('en-US')} bytes at byte ${at}, only ${(this.end - this.pos).toLocaleString('en-US')} remain (truncated file?)`);
      this.pos += n;
    };
    switch (wire) {
      case WIRE.varint:
        return this.varint();
      case WIRE.fixed64:
        skip(8);
        return undefined;
      case WIRE.fixed32:
        skip(4);
        return undefined;
      case WIRE.bytes: {
        const n = this.varint();
        skip(n);
        return this.buf.subarray(this.pos - n, this.pos);
      }
      default:
        return this.fail(`field ${field} at byte ${at} has wire type ${wire}, which ONNX never uses`);
    }
  }

  /** Calls `visit(field, value)` for each field until `end`. */
  fields(visit: (field: number, value: Uint8Array | number | undefined) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      if (field === 0) this.fail(`field number 0 at byte ${this.pos}: not a protobuf message`);
      visit(field, this.body(key % 8, field));
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes a nested message's string (wire type 2) and int (wire type 0) fields into one record. */
function subMessage(bytes: unknown, fail: (msg: string) => never): Map<number, string | number> {
  if (!(bytes instanceof Uint8Array)) fail('a nested message field has the wrong wire type');
  const out = new Map<number, string | number>();
  new Reader(bytes, fail).fields((f, v) => {
    if (v instanceof Uint8Array) out.set(f, utf8.decode(v));
    else if (typeof v === 'number') out.set(f, v);
  });
  return out;
}

/** `source` names the file in messages. Throws ERR_MODEL_FORMAT on malformed, truncated or graph-less bytes. */
export function readOnnxHeader(bytes: Uint8Array, source: string): OnnxHeader {
  const fail = (msg: string): never => {
    throw new EarshotError('ERR_MODEL_FORMAT', `${source}: not a valid ONNX model: ${msg}`);
  };
  if (bytes.length === 0) fail('the file is empty');
  const header: OnnxHeader = { irVersion: 0, producerName: '', opsets: new Map(), metadata: {} };
  let hasGraph = false;
  new Reader(bytes, fail).fields((field, value) => {
    if (field === FIELD.irVersion && typeof value === 'number') header.irVersion = value;
    else if (field === FIELD.producerName && value instanceof Uint8Array) header.producerName = utf8.decode(value);
    else if (field === FIELD.graph) hasGraph = value instanceof Uint8Array;
    else if (field === FIELD.opsetImport) {
      const m = subMessage(value, fail); // OperatorSetIdProto: 1 domain, 2 version
      header.opsets.set(String(m.get(1) ?? ''), Number(m.get(2) ?? 0));
    } else if (field === FIELD.metadataProps) {
      const m = subMessage(value, fail); // StringStringEntryProto: 1 key, 2 value
      header.metadata[String(m.get(1) ?? '')] = String(m.get(2) ?? '');
    }
  });
  if (header.irVersion === 0) fail('no ir_version (field 1)');
  if (!hasGraph) fail('no graph (field 7)');
  return header;
}
