/**
 * NumPy .npy files, whole arrays in memory: the exchange format with the Python trainer and the librosa
 * reference outputs (preamble layout and parsing: npy-header.ts). We write exactly what numpy.save
 * writes (same padding), and read little-endian float16/float32/float64/int32 (int32 for sparse-matrix
 * index arrays: scipy's indptr/indices; float16 for the feature store's mel spectrograms, float16.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { EarshotError } from '../errors';
import { writeFileAtomic } from './atomic-write';
import { decodeFloat16LE, encodeFloat16LE } from './float16';
import { checkNpyShape, encodeNpyHeader, NPY_ITEM_BYTES, parseNpyHeader, type NpyDescr } from './npy-header';

export type { NpyDescr } from './npy-header';

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/** The in-memory element types: '<f2' is held as Float32Array (every half is exactly a float). */
export type NpyData = Float32Array | Float64Array | Int32Array;

export interface NpyArray {
  data: NpyData;
  shape: number[];
  /** True when data is column-major (Fortran order); data is returned as stored, not reordered. */
  fortranOrder: boolean;
  /** The dtype stored in the file ('<f2' arrives widened to a Float32Array). */
  descr: NpyDescr;
}

export interface EncodeNpyOptions {
  /** Stored dtype: '<f2' (from a Float32Array, rounded to nearest even) or the array's own (default). */
  descr?: NpyDescr;
}

function fail(message: string): never {
  throw new EarshotError('ERR_NPY_FORMAT', message);
}

function nativeDescr(data: NpyData): '<f4' | '<f8' | '<i4' {
  return data instanceof Float64Array ? '<f8' : data instanceof Int32Array ? '<i4' : '<f4';
}

function storedDescr(data: NpyData, requested: NpyDescr | undefined): NpyDescr {
  const own = nativeDescr(data);
  if (requested === undefined || requested === own) return own;
  if (requested === '<f2' && own === '<f4') return '<f2';
  throw new EarshotError('ERR_INVALID_ARGUMENT', `npy dtype ${requested} cannot be written from a ${data.constructor.name} (only '<f2' from a Float32Array, or the array's own ${own})`);
}

/** Little-endian element bytes of `data` as `descr` (the data section of a .npy file). */
export function npyDataBytes(data: NpyData, descr: NpyDescr): Uint8Array {
  if (descr === '<f2') return encodeFloat16LE(data as Float32Array);
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.alloc(data.byteLength);
  for (let i = 0; i < data.length; i++) {
    if (descr === '<f8') out.writeDoubleLE(data[i], 8 * i);
    else if (descr === '<i4') out.writeInt32LE(data[i], 4 * i);
    else out.writeFloatLE(data[i], 4 * i);
  }
  return out;
}

/** Encode a C-order array as .npy bytes, byte-identical to numpy.save (of data.astype(descr)). */
export function encodeNpy(data: NpyData, shape: readonly number[], options: EncodeNpyOptions = {}): Buffer {
  const count = checkNpyShape(shape);
  if (count !== data.length) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `npy shape [${shape.join(', ')}] holds ${count} values but data has ${data.length}`);
  }
  const descr = storedDescr(data, options.descr);
  const header = encodeNpyHeader(descr, shape);
  const body = npyDataBytes(data, descr);
  const out = Buffer.alloc(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

/** Write `data` with `shape` (C order) to `path` as .npy, atomically (src/io/atomic-write.ts). */
export function writeNpy(path: string, data: NpyData, shape: readonly number[], options?: EncodeNpyOptions): void {
  writeFileAtomic(path, encodeNpy(data, shape, options));
}

function isSupported(descr: string): descr is NpyDescr {
  return Object.prototype.hasOwnProperty.call(NPY_ITEM_BYTES, descr);
}

/** Read a .npy file (path) or its bytes. Supports '<f2', '<f4', '<f8' and '<i4', C or Fortran order, v1-v3. */
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
  const { descr, fortranOrder, shape, dataOffset } = parseNpyHeader(buf, label);
  if (!isSupported(descr)) fail(`${label}: npy dtype '${descr}' is not supported (only '<f2', '<f4', '<f8' and '<i4')`);
  const itemBytes = NPY_ITEM_BYTES[descr];
  const count = shape.reduce((a, b) => a * b, 1);
  const needBytes = count * itemBytes;
  if (buf.length - dataOffset < needBytes) {
    fail(`${label}: npy shape (${shape.join(', ')}) needs ${needBytes} data bytes, file has ${buf.length - dataOffset}`);
  }
  const raw = buf.subarray(dataOffset, dataOffset + needBytes);
  if (descr === '<f2') return { data: decodeFloat16LE(raw), shape, fortranOrder, descr };
  let data: NpyData;
  if (LITTLE_ENDIAN_HOST) {
    // Copy into a fresh, aligned buffer: the source may sit at any offset inside a larger Buffer.
    const aligned = new Uint8Array(needBytes);
    aligned.set(raw);
    data = descr === '<i4' ? new Int32Array(aligned.buffer) : descr === '<f4' ? new Float32Array(aligned.buffer) : new Float64Array(aligned.buffer);
  } else {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = descr === '<i4' ? new Int32Array(count) : descr === '<f4' ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < count; i++) {
      data[i] = descr === '<i4' ? dv.getInt32(4 * i, true) : descr === '<f4' ? dv.getFloat32(4 * i, true) : dv.getFloat64(8 * i, true);
    }
  }
  return { data, shape, fortranOrder, descr };
}
