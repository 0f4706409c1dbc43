/**
 * NumPy .npy files (format spec: numpy/lib/format.py, NEP 1): the exchange format with the Python
 * trainer and the librosa reference outputs. Layout:
 *   "\x93NUMPY" u8 major u8 minor, header length (u16 LE in v1, u32 LE in v2/v3),
 *   an ASCII Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 *   padded with spaces and a final '\n' so the data starts on a 64-byte boundary, then raw data.
 * We write exactly what numpy.save writes (same padding), and read little-endian float32/float64/int32
 * (int32 for sparse-matrix index arrays: scipy's indptr/indices).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { EarshotError } from '../errors';
import { writeFileAtomic } from './atomic-write';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy aligns the data start to 64 bytes so it can be memory-mapped with any dtype. */
const ARRAY_ALIGN = 64;
/** numpy leaves room for a 21-digit first axis so files can be grown in place; we match it. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/** The element types read and written: '<f4', '<f8', '<i4'. */
export type NpyData = Float32Array | Float64Array | Int32Array;

export interface NpyArray {
  data: NpyData;
  shape: number[];
  /** True when data is column-major (Fortran order); data is returned as stored, not reordered. */
  fortranOrder: boolean;
}

function fail(message: string): never {
  throw new EarshotError('ERR_NPY_FORMAT', message);
}

function checkShape(shape: readonly number[], length: number): void {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `npy shape entries must be integers >= 0, got [${shape.join(', ')}]`);
    }
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== length) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `npy shape [${shape.join(', ')}] holds ${count} values but data has ${length}`);
  }
}

/** Python repr of a shape tuple: (), (5,), (3, 4). */
function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

function descrOf(data: NpyData): '<f4' | '<f8' | '<i4' {
  return data instanceof Float64Array ? '<f8' : data instanceof Int32Array ? '<i4' : '<f4';
}

/** Encode a C-order little-endian array as .npy bytes, byte-identical to numpy.save. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Buffer {
  checkShape(shape, data.length);
  const descr = descrOf(data);
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const withNewline = dict.length + 1;
  let lenBytes = 2;
  let padLen = ARRAY_ALIGN - ((MAGIC.length + 2 + lenBytes + withNewline) % ARRAY_ALIGN);
  let major = 1;
  if (withNewline + padLen > 0xffff) {
    major = 2; // only for absurd ndim; numpy does the same switch
    lenBytes = 4;
    padLen = ARRAY_ALIGN - ((MAGIC.length + 2 + lenBytes + withNewline) % ARRAY_ALIGN);
  }
  const header = dict + ' '.repeat(padLen) + '\n';
  const prefixLen = MAGIC.length + 2 + lenBytes;
  const out = Buffer.alloc(prefixLen + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  if (lenBytes === 2) out.writeUInt16LE(header.length, 8);
  else out.writeUInt32LE(header.length, 8);
  out.write(header, prefixLen, 'latin1');
  const dataStart = prefixLen + header.length;
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataStart);
  } else {
    for (let i = 0; i < data.length; i++) {
      if (descr === '<f8') out.writeDoubleLE(data[i], dataStart + 8 * i);
      else if (descr === '<i4') out.writeInt32LE(data[i], dataStart + 4 * i);
      else out.writeFloatLE(data[i], dataStart + 4 * i);
    }
  }
  return out;
}

/** Write `data` with `shape` (C order) to `path` as .npy, atomically (src/io/atomic-write.ts). */
export function writeNpy(path: string, data: NpyData, shape: readonly number[]): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}

function parseHeader(text: string, label: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    fail(`${label}: npy header is not a descr/fortran_order/shape dict: ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim().replace(/L$/, '')) // Python 2 wrote long ints as "3L"
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+$/.test(s)) fail(`${label}: npy shape entry "${s}" is not a non-negative integer`);
      return Number(s);
    });
  return { descr, fortranOrder: fortran === 'True', shape };
}

/** Read a .npy file (path) or its bytes. Supports '<f4', '<f8' and '<i4', C or Fortran order, v1-v3. */
export function readNpy(source: string | Uint8Array): NpyArray {
  const label = typeof source === 'string' ? `"${source}"` : 'npy buffer';
  let buf: Uint8Array;
  if (typeof source === 'string') {
    try {
      buf = fs.readFileSync(source);
    } catch (err) {
      throw new EarshotError('ERR_IO', `cannot read ${label}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
    }
  } else {
    buf = source;
  }
  if (buf.length < 10 || !MAGIC.every((b, i) => buf[i] === b)) {
    const first = Array.from(buf.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    fail(`${label} is not a .npy file: expected "\\x93NUMPY", first bytes were ${first || '(none)'}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const major = buf[6];
  if (major < 1 || major > 3) fail(`${label}: npy format version ${major}.${buf[7]} is not supported (1.0-3.0)`);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes) fail(`${label}: npy file ends inside its preamble`);
  const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lenBytes;
  const dataStart = headerStart + headerLen;
  if (buf.length < dataStart) fail(`${label}: npy header declares ${headerLen} bytes but the file ends first`);
  const header = Buffer.from(buf.buffer, buf.byteOffset + headerStart, headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const { descr, fortranOrder, shape } = parseHeader(header, label);

  const itemBytes = descr === '<f4' || descr === '<i4' ? 4 : descr === '<f8' ? 8 : 0;
  if (itemBytes === 0) fail(`${label}: npy dtype '${descr}' is not supported (only '<f4', '<f8' and '<i4')`);
  const count = shape.reduce((a, b) => a * b, 1);
  const needBytes = count * itemBytes;
  if (buf.length - dataStart < needBytes) {
    fail(`${label}: npy shape (${shape.join(', ')}) needs ${needBytes} data bytes, file has ${buf.length - dataStart}`);
  }
  // Copy into a fresh, aligned buffer: the source may sit at any offset inside a larger Buffer.
  const raw = buf.subarray(dataStart, dataStart + needBytes);
  let data: NpyData;
  if (LITTLE_ENDIAN_HOST) {
    const aligned = new Uint8Array(needBytes);
    aligned.set(raw);
    data = descr === '<i4' ? new Int32Array(aligned.buffer) : itemBytes === 4 ? new Float32Array(aligned.buffer) : new Float64Array(aligned.buffer);
  } else {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = descr === '<i4' ? new Int32Array(count) : itemBytes === 4 ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < count; i++) {
      data[i] = descr === '<i4' ? dv.getInt32(4 * i, true) : itemBytes === 4 ? dv.getFloat32(4 * i, true) : dv.getFloat64(8 * i, true);
    }
  }
  return { data, shape, fortranOrder };
}
