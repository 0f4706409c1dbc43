/**
 * .npy round trips, byte layout as numpy writes it (magic, 64-byte aligned header), reading of
 * '<f8', '<i4' and Fortran-order files, rejection of what we don't read, and a real numpy-written file
 * from ../shared/reference (skipped visibly when absent).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { EarshotError } from '../../src/errors';
import { encodeNpy, readNpy, writeNpy } from '../../src/io/npy';
import { sharedOrSkip } from '../helpers/shared';

/** A .npy as numpy would write it, built by hand: the header text is given verbatim. */
function handNpy(header: string, data: Uint8Array, major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const pad = 64 - ((8 + lenBytes + header.length + 1) % 64);
  const text = header + ' '.repeat(pad) + '\n';
  const out = new Uint8Array(8 + lenBytes + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (lenBytes === 2) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(Buffer.from(text, 'latin1'), 8 + lenBytes);
  out.set(data, 8 + lenBytes + text.length);
  return out;
}

function errCode(code: string) {
  return (err: unknown): boolean => err instanceof EarshotError && err.code === code;
}

describe('encodeNpy', () => {
  test('header is numpy.save byte-for-byte (checked against numpy 2.x output)', () => {
    const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const header = bytes.subarray(10, bytes.readUInt16LE(8) + 10).toString('latin1');
    assert.equal(bytes.length, 128 + 24);
    assert.equal(header, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + ' '.repeat(58) + '\n'); // 10 + 118 = 128
    assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  });

  test('data starts on a 64-byte boundary for every rank', () => {
    for (const shape of [[], [7], [0], [2, 3], [1, 2, 3, 4, 5, 6, 7, 8], [123456789012, 0]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const bytes = encodeNpy(new Float32Array(n), shape);
      assert.equal((10 + bytes.readUInt16LE(8)) % 64, 0, `shape ${shape}`);
    }
  });

  test('rejects a shape that does not match the data', () => {
    assert.throws(() => encodeNpy(new Float32Array(5), [2, 3]), errCode('ERR_INVALID_ARGUMENT'));
    assert.throws(() => encodeNpy(new Float32Array(2), [-1, -2]), errCode('ERR_INVALID_ARGUMENT'));
    assert.throws(() => encodeNpy(new Float32Array(2), [1.5, 2]), errCode('ERR_INVALID_ARGUMENT'));
  });
});

describe('round trip', () => {
  test('float32 and float64 through a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-npy-'));
    try {
      const f32 = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i) * 1e3);
      writeNpy(path.join(dir, 'a.npy'), f32, [3, 4, 5]);
      assert.deepEqual(readNpy(path.join(dir, 'a.npy')), { data: f32, shape: [3, 4, 5], fortranOrder: false, descr: '<f4' });
      const f64 = Float64Array.from({ length: 7 }, (_, i) => 1 / (i + 1));
      writeNpy(path.join(dir, 'b.npy'), f64, [7]);
      assert.deepEqual(readNpy(path.join(dir, 'b.npy')), { data: f64, shape: [7], fortranOrder: false, descr: '<f8' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("int32 ('<i4', scipy CSR index arrays): numpy.save bytes and a round trip through a file", () => {
    const ints = Int32Array.from([0, 1, -2, 2147483647, -2147483648]);
    const bytes = encodeNpy(ints, [5]);
    // python3 -c "import numpy as np, io; b = io.BytesIO(); np.save(b, np.array([0, 1, -2, 2**31 - 1, -2**31], '<i4')); print(b.getvalue())"
    // (numpy 2.4.6): 148 bytes, this header, then the five values little-endian.
    assert.equal(bytes.length, 148);
    assert.equal(bytes.subarray(10, 128).toString('latin1'), "{'descr': '<i4', 'fortran_order': False, 'shape': (5,), }" + ' '.repeat(60) + '\n');
    assert.equal(bytes.subarray(128).toString('hex'), '0000000001000000feffffffffffff7f00000080');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-npy-'));
    try {
      const indptr = Int32Array.from({ length: 1001 }, (_, i) => i * 17);
      writeNpy(path.join(dir, 'indptr.npy'), indptr, [1001]);
      const back = readNpy(path.join(dir, 'indptr.npy'));
      assert.ok(back.data instanceof Int32Array);
      assert.deepEqual(back, { data: indptr, shape: [1001], fortranOrder: false, descr: '<i4' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('scalar, empty and special values', () => {
    assert.deepEqual(readNpy(encodeNpy(new Float32Array([2.5]), [])).shape, []);
    assert.deepEqual(readNpy(encodeNpy(new Float32Array(0), [0, 4])).shape, [0, 4]);
    const special = new Float32Array([NaN, Infinity, -0, 1e-45]);
    const back = readNpy(encodeNpy(special, [4])).data;
    assert.ok(Number.isNaN(back[0]) && back[1] === Infinity && Object.is(back[2], -0) && back[3] === special[3]);
  });

  test('reads from an unaligned offset inside a larger buffer', () => {
    const bytes = encodeNpy(Float32Array.from([1, 2, 3]), [3]);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    assert.deepEqual(readNpy(big.subarray(3)).data, Float32Array.from([1, 2, 3]));
  });
});

describe('readNpy: numpy variants', () => {
  test("'<f8' with fortran_order True is returned as stored, flagged", () => {
    const data = new Uint8Array(Float64Array.from([1, 2, 3, 4, 5, 6]).buffer);
    const npy = handNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data);
    const out = readNpy(npy);
    assert.equal(out.fortranOrder, true);
    assert.deepEqual(out.shape, [2, 3]);
    assert.deepEqual(out.data, Float64Array.from([1, 2, 3, 4, 5, 6]));
  });

  test('version 2.0 header and Python 2 long shapes', () => {
    const data = new Uint8Array(Float32Array.from([7, 8]).buffer);
    const out = readNpy(handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", data, 2));
    assert.deepEqual(out, { data: Float32Array.from([7, 8]), shape: [2], fortranOrder: false, descr: '<f4' });
  });

  test('rejects other dtypes, bad magic and short data with ERR_NPY_FORMAT', () => {
    const four = new Uint8Array(4);
    assert.throws(() => readNpy(handNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", four)), /'>f4'/);
    assert.throws(() => readNpy(handNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", four)), errCode('ERR_NPY_FORMAT'));
    assert.throws(() => readNpy(handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", four)), /needs 8 data bytes/);
    assert.throws(() => readNpy(Buffer.from('PK\x03\x04 this is an npz')), errCode('ERR_NPY_FORMAT'));
    assert.throws(() => readNpy(handNpy('{}', four)), errCode('ERR_NPY_FORMAT'));
  });

  test('missing file is ERR_IO naming the path', () => {
    assert.throws(() => readNpy('/nonexistent/x.npy'), (e: unknown) => errCode('ERR_IO')(e) && /\/nonexistent\/x\.npy/.test((e as Error).message));
  });
});

describe('readNpy: real numpy output', () => {
  test('librosa sine440 input.npy (1 s of 440 Hz at 22050 Hz)', (t) => {
    const file = sharedOrSkip(t, 'reference/librosa/sine440/input.npy');
    if (!file) return;
    const { data, shape, fortranOrder } = readNpy(file);
    assert.ok(data instanceof Float32Array);
    assert.deepEqual(shape, [22050]);
    assert.equal(fortranOrder, false);
    // Closed form from ../shared/reference/librosa/README.md: 0.5 sin(2π 440 n / 22050), stored
    // as float32 (rounding error <= 3e-8; 1e-6 also absorbs float64 phase differences).
    for (let n = 0; n < data.length; n++) {
      const want = 0.5 * Math.sin((2 * Math.PI * 440 * n) / 22050);
      if (Math.abs(data[n] - want) > 1e-6) assert.fail(`sample ${n}: ${data[n]} vs ${want}`);
    }
  });
});
