/**
 * Fuzz target `npy`: the .npy reader, readNpy / parseNpyHeader (src/io/npy.ts, src/io/npy-header.ts).
 * Asserts: only EarshotError ERR_NPY_FORMAT; an accepted array has a shape of safe integers >= 0 whose
 * product is data.length, a supported dtype and a data offset inside the file; and for C-order arrays
 * encodeNpy(readNpy(file)) reads back to the same dtype, shape and values (raw bytes for <f4/<f8/<i4,
 * values for <f2), with a 64-byte aligned header as numpy writes it.
 */
import { encodeNpy, readNpy, type NpyArray } from '../../src/io/npy';
import { NPY_ITEM_BYTES, parseNpyHeader } from '../../src/io/npy-header';
import { check, copyAt, expectEarshotError, expectSame } from './harness';

function read(bytes: Uint8Array): NpyArray | null {
  try {
    return readNpy(bytes);
  } catch (err) {
    expectEarshotError(err, ['ERR_NPY_FORMAT']);
    return null;
  }
}

const rawBytes = (a: NpyArray) => new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);

export function fuzz(data: Buffer): void {
  const a = read(copyAt(data, data.length % 3));
  if (a === null) return;
  check(Object.prototype.hasOwnProperty.call(NPY_ITEM_BYTES, a.descr), `unsupported dtype ${a.descr} accepted`);
  check(a.shape.every((d) => Number.isSafeInteger(d) && d >= 0), () => `shape (${a.shape.join(', ')}) is not a tuple of safe integers >= 0`);
  const count = a.shape.reduce((x, y) => x * y, 1);
  check(count === a.data.length, () => `shape (${a.shape.join(', ')}) holds ${count} values, data has ${a.data.length}`);
  const h = parseNpyHeader(data, 'npy buffer');
  check(h.dataOffset + count * NPY_ITEM_BYTES[a.descr as keyof typeof NPY_ITEM_BYTES] <= data.length, 'data runs past the end of the file');
  if (a.fortranOrder) return;
  const file = encodeNpy(a.data, a.shape, { descr: a.descr });
  check(parseNpyHeader(file, 'encoded').dataOffset % 64 === 0, 'encodeNpy header is not 64-byte aligned');
  const b = read(file);
  check(b !== null, 'readNpy refuses what encodeNpy wrote');
  expectSame([b.descr, b.shape, b.fortranOrder], [a.descr, a.shape, false], 'dtype/shape changed in a write/read round trip');
  if (a.descr === '<f2') expectSame(b.data, a.data, 'float16 values changed in a write/read round trip');
  else expectSame(rawBytes(b), rawBytes(a), 'raw values changed in a write/read round trip');
}
