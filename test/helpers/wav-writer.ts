/**
 * Minimal WAV/RF64 writer for tests: builds every variant the parser claims to read, plus the
 * malformed ones (wrong sizes, odd chunks, raw fmt overrides) it must reject. Written from the
 * format description, independently of src/audio, so the two don't share a bug.
 */

export type Encoding = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

export interface Chunk {
  id: string;
  body: Uint8Array;
}

export interface WavSpec {
  encoding: Encoding;
  channels: number;
  sampleRateHz: number;
  /** Interleaved values: integer codes for u8 (0..255) and sNN, float values for fNN. */
  values: ArrayLike<number>;
  extensible?: boolean;
  rf64?: boolean;
  /** Extra chunks before fmt, between fmt and data, and after data. */
  before?: Chunk[];
  between?: Chunk[];
  after?: Chunk[];
  /** Size written in the data chunk header (default: the true byte count). */
  declaredDataBytes?: number;
  /** Raw fmt field overrides, for building invalid headers. */
  fmt?: Partial<{ formatTag: number; channels: number; sampleRateHz: number; blockAlign: number; bitsPerSample: number }>;
  /** Replace the 14-byte GUID tail of an extensible sub-format. */
  guidTail?: number[];
}

export const WIDTH: Record<Encoding, number> = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 };
const KSDATAFORMAT_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** The float each stored value must decode to (int scales are powers of two, per the spec). */
export function expectedSample(encoding: Encoding, v: number): number {
  const scale: Record<Encoding, number> = { u8: 128, s16: 32768, s24: 8388608, s32: 2147483648, f32: 1, f64: 1 };
  return Math.fround((encoding === 'u8' ? v - 128 : v) / scale[encoding]);
}

/** Closed-form test values: both extremes and zero first, then a sine of amplitude 0.9 full scale. */
export function closedFormValues(encoding: Encoding, count: number): number[] {
  const out: number[] = [];
  const isFloat = encoding === 'f32' || encoding === 'f64';
  const bits = WIDTH[encoding] * 8;
  const max = encoding === 'u8' ? 255 : isFloat ? 1 : 2 ** (bits - 1) - 1;
  const min = encoding === 'u8' ? 0 : isFloat ? -1 : -(2 ** (bits - 1));
  const mid = encoding === 'u8' ? 128 : 0;
  out.push(min, max, mid);
  for (let k = out.length; k < count; k++) {
    const s = 0.9 * Math.sin(0.37 * k + 1);
    out.push(isFloat ? s : encoding === 'u8' ? 128 + Math.round(127 * s) : Math.round(max * s));
  }
  return out.slice(0, count);
}

function u16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}
function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
function u64(v: number): number[] {
  return [...u32(v % 2 ** 32), ...u32(Math.floor(v / 2 ** 32))];
}
function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

/** A chunk with its 8-byte header and the pad byte RIFF requires after an odd-sized body. */
export function chunkBytes(id: string, body: ArrayLike<number>, declaredSize = body.length): number[] {
  const out = [...ascii(id), ...u32(declaredSize), ...Array.from(body)];
  if (body.length % 2 === 1) out.push(0);
  return out;
}

export function encodeValues(encoding: Encoding, values: ArrayLike<number>): Uint8Array {
  const w = WIDTH[encoding];
  const out = new Uint8Array(values.length * w);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const p = i * w;
    if (encoding === 'f32') view.setFloat32(p, v, true);
    else if (encoding === 'f64') view.setFloat64(p, v, true);
    else if (encoding === 'u8') out[p] = v;
    else for (let b = 0; b < w; b++) out[p + b] = Number((BigInt(v) >> BigInt(8 * b)) & 0xffn);
  }
  return out;
}

export function makeWav(spec: WavSpec): Uint8Array {
  const isFloat = spec.encoding === 'f32' || spec.encoding === 'f64';
  const width = WIDTH[spec.encoding];
  const o = spec.fmt ?? {};
  const channels = o.channels ?? spec.channels;
  const bits = o.bitsPerSample ?? width * 8;
  const blockAlign = o.blockAlign ?? spec.channels * width;
  const sampleRateHz = o.sampleRateHz ?? spec.sampleRateHz;
  const realTag = isFloat ? 3 : 1;
  const tag = spec.extensible ? 0xfffe : (o.formatTag ?? realTag);
  const fmt = [...u16(tag), ...u16(channels), ...u32(sampleRateHz), ...u32(sampleRateHz * blockAlign), ...u16(blockAlign), ...u16(bits)];
  if (spec.extensible) {
    const tail = spec.guidTail ?? KSDATAFORMAT_TAIL;
    fmt.push(...u16(22), ...u16(bits), ...u32(0), ...u16(o.formatTag ?? realTag), ...tail);
  } else if (isFloat) {
    fmt.push(...u16(0)); // cbSize, as most float writers emit an 18-byte fmt
  }
  const data = encodeValues(spec.encoding, spec.values);
  const parts: Uint8Array[] = [Uint8Array.from(ascii('WAVE'))];
  const add = (bytes: ArrayLike<number>): void => {
    parts.push(Uint8Array.from(bytes));
  };
  if (spec.rf64) {
    // ds64: riffSize u64, dataSize u64, sampleCount u64, table length u32.
    const dataSize = spec.declaredDataBytes ?? data.length;
    add(chunkBytes('ds64', [...u64(0), ...u64(dataSize), ...u64(data.length / blockAlign), ...u32(0)]));
  }
  for (const c of spec.before ?? []) add(chunkBytes(c.id, c.body));
  add(chunkBytes('fmt ', fmt));
  for (const c of spec.between ?? []) add(chunkBytes(c.id, c.body));
  const declared = spec.rf64 ? 0xffffffff : (spec.declaredDataBytes ?? data.length);
  add([...ascii('data'), ...u32(declared)]);
  parts.push(data);
  // Pad only a correctly sized odd data chunk; a stream-to-EOF chunk has no pad.
  if (declared === data.length && data.length % 2 === 1) add([0]);
  for (const c of spec.after ?? []) add(chunkBytes(c.id, c.body));
  const bodyLen = parts.reduce((n, x) => n + x.length, 0);
  return concatBytes([Uint8Array.from([...ascii(spec.rf64 ? 'RF64' : 'RIFF'), ...u32(spec.rf64 ? 0xffffffff : bodyLen)]), ...parts]);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Concatenate decoded pieces (the library's own join). */
export { concatFloat32 as concatF32 } from '../../src/audio/concat';
