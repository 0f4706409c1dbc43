/**
 * The .npy preamble alone (format spec: numpy/lib/format.py, NEP 1), for whole-array I/O (npy.ts) and
 * for files too large to hold in memory: written before streaming rows after it, or parsed from the
 * first bytes before reading rows by byte offset. Layout:
 *   "\x93NUMPY" u8 major u8 minor, header length (u16 LE in v1, u32 LE in v2/v3),
 *   an ASCII Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 *   padded with spaces and a final '\n' so the data starts on a 64-byte boundary, then raw data.
 */
import * as fs from 'node:fs';
import { EarshotError } from '../errors';

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy aligns the data start to 64 bytes so it can be memory-mapped with any dtype. */
const ARRAY_ALIGN = 64;
/** numpy leaves room for a 21-digit first axis so files can be grown in place; we match it. */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** The dtypes earshot reads and writes, all little-endian. */
export type NpyDescr = '<f2' | '<f4' | '<f8' | '<i4';

/** Bytes per element of each supported dtype. */
export const NPY_ITEM_BYTES: Record<NpyDescr, number> = { '<f2': 2, '<f4': 4, '<f8': 8, '<i4': 4 };

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first element (a multiple of 64 for files numpy or earshot wrote). */
  dataOffset: number;
}

function fail(message: string): never {
  throw new EarshotError('ERR_NPY_FORMAT', message);
}

/** Python repr of a shape tuple: (), (5,), (3, 4). */
function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

export function checkNpyShape(shape: readonly number[]): number {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `npy shape entries must be integers >= 0, got [${shape.join(', ')}]`);
    }
  }
  return shape.reduce((a, b) => a * b, 1);
}

/** The preamble numpy.save writes for a C-order array of `descr` and `shape`, byte for byte. */
export function encodeNpyHeader(descr: NpyDescr, shape: readonly number[]): Buffer {
  checkNpyShape(shape);
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const withNewline = dict.length + 1;
  let lenBytes = 2;
  let padLen = ARRAY_ALIGN - ((NPY_MAGIC.length + 2 + lenBytes + withNewline) % ARRAY_ALIGN);
  let major = 1;
  if (withNewline + padLen > 0xffff) {
    major = 2; // only for absurd ndim; numpy does the same switch
    lenBytes = 4;
    padLen = ARRAY_ALIGN - ((NPY_MAGIC.length + 2 + lenBytes + withNewline) % ARRAY_ALIGN);
  }
  const header = dict + ' '.repeat(padLen) + '\n';
  const prefixLen = NPY_MAGIC.length + 2 + lenBytes;
  const out = Buffer.alloc(prefixLen + header.length);
  out.set(NPY_MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  if (lenBytes === 2) out.writeUInt16LE(header.length, 8);
  else out.writeUInt32LE(header.length, 8);
  out.write(header, prefixLen, 'latin1');
  return out;
}

function parseDict(text: string, label: string): { descr: string; fortranOrder: boolean; shape: number[] } {
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
      // Beyond 2^53 - 1 the number is not exact (and 400 digits are Infinity): with another axis of 0
      // the size check passes, so refuse it here (found by fuzzing).
      const v = Number(s);
      if (!Number.isSafeInteger(v)) fail(`${label}: npy shape entry "${s.length > 40 ? `${s.slice(0, 40)}…` : s}" is larger than 2^53 - 1`);
      return v;
    });
  return { descr, fortranOrder: fortran === 'True', shape };
}

/**
 * Parses the preamble at the start of `buf` (the whole file, or at least its first bytes). Throws
 * ERR_NPY_FORMAT when it is not a .npy preamble or `buf` ends inside it.
 */
export function parseNpyHeader(buf: Uint8Array, label: string): NpyHeader {
  if (buf.length < 10 || !NPY_MAGIC.every((b, i) => buf[i] === b)) {
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
  const dataOffset = headerStart + headerLen;
  if (buf.length < dataOffset) fail(`${label}: npy header declares ${headerLen} bytes but the file ends first`);
  const text = Buffer.from(buf.buffer, buf.byteOffset + headerStart, headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  return { ...parseDict(text, label), dataOffset };
}

/** numpy's headers are < 256 bytes in practice; the dict itself is capped well below this. */
const HEADER_READ_BYTES = 65536 + 12;

/** Reads and parses only the preamble of an open .npy file (no data is read). */
export function readNpyHeaderFd(fd: number, label: string): NpyHeader {
  const probe = Buffer.alloc(HEADER_READ_BYTES);
  const got = fs.readSync(fd, probe, 0, probe.length, 0);
  return parseNpyHeader(probe.subarray(0, got), label);
}
