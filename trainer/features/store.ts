/**
 * Reader of a packed feature store (written by `earshot-train features`; layout in store-format.ts and
 * docs/features.md) for the trainers. Nothing is loaded whole: each call reads just its rows with
 * fs.readSync at their byte offset (header + startFrame · rowBytes), so a multi-GiB store costs only
 * its index in memory. Opening validates the manifest, the index and both .npy headers against each
 * other (dtype, C order, shape, exact file size) and throws ERR_FEATURE_STORE naming the first problem.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { decodeFloat16LE } from '../../src/io/float16';
import { readNpyHeaderFd, type NpyHeader } from '../../src/io/npy-header';
import { FEATURES_FORMAT, FEATURES_VERSION, FILES, parseIndex, type ClipRow, type FeatureManifest } from './store-format';

export interface FeatureStore {
  readonly dir: string;
  readonly manifest: FeatureManifest;
  /** Clip ids in store order (sorted). */
  readonly ids: readonly string[];
  /** Mel bands per frame (128) and MFCC values per frame (39: mfcc | Δ | ΔΔ). */
  readonly melBands: number;
  readonly mfccWidth: number;
  readonly totalFrames: number;
  has(id: string): boolean;
  clip(id: string): Readonly<ClipRow>;
  frames(id: string): number;
  /** The clip's whole log-mel spectrogram, frames × melBands, dB (float16 widened to float32). */
  melOf(id: string): Float32Array;
  /** The clip's MFCC + Δ + ΔΔ, frames × mfccWidth. */
  mfccOf(id: string): Float32Array;
  /** Frames [startFrame, startFrame + n) of the clip's mel, n × melBands, into `out` when given. */
  melWindow(id: string, startFrame: number, n: number, out?: Float32Array): Float32Array;
  mfccWindow(id: string, startFrame: number, n: number, out?: Float32Array): Float32Array;
  /** Stored bytes of frames [startFrame, startFrame + n) of the whole array (for repacking). */
  rawRows(kind: 'mel' | 'mfcc', startFrame: number, n: number): Buffer;
  close(): void;
}

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

function corrupt(message: string): never {
  throw new EarshotError('ERR_FEATURE_STORE', message);
}

interface ArrayFile {
  fd: number;
  dataOffset: number;
  rowBytes: number;
}

function openArray(file: string, descr: '<f2' | '<f4', rows: number, cols: number): ArrayFile {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    corrupt(`cannot open ${file}: ${(err as NodeJS.ErrnoException).code ?? err} (the store is incomplete)`);
  }
  try {
    let h: NpyHeader;
    try {
      h = readNpyHeaderFd(fd, file);
    } catch (err) {
      corrupt((err as Error).message);
    }
    if (h.descr !== descr) corrupt(`${file}: dtype '${h.descr}', the manifest says '${descr}'`);
    if (h.fortranOrder) corrupt(`${file}: Fortran order; the store is C order (frames × values)`);
    if (h.shape.length !== 2 || h.shape[0] !== rows || h.shape[1] !== cols) corrupt(`${file}: shape (${h.shape.join(', ')}) but the index and manifest say (${rows}, ${cols})`);
    const rowBytes = cols * (descr === '<f2' ? 2 : 4);
    const want = h.dataOffset + rows * rowBytes;
    const size = fs.fstatSync(fd).size;
    if (size !== want) corrupt(`${file}: ${size} bytes, expected ${want} (header ${h.dataOffset} + ${rows} rows × ${rowBytes}): truncated or overwritten`);
    return { fd, dataOffset: h.dataOffset, rowBytes };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

function readManifest(dir: string): FeatureManifest {
  const file = path.join(dir, FILES.manifest);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    corrupt(`no ${FILES.manifest} in "${dir}": not a feature store, or its run has not finished (rerun earshot-train features with the same --audio and --out to complete it)`);
  }
  let m: FeatureManifest;
  try {
    m = JSON.parse(text) as FeatureManifest;
  } catch (err) {
    corrupt(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (m?.format !== FEATURES_FORMAT) corrupt(`${file}: format ${JSON.stringify(m?.format)}, expected "${FEATURES_FORMAT}"`);
  if (m.version !== FEATURES_VERSION) corrupt(`${file}: version ${m.version} is not supported (this earshot reads version ${FEATURES_VERSION}); recompute with earshot-train features`);
  if (m.mel?.dtype !== '<f2' || m.mfcc?.dtype !== '<f4' || !Array.isArray(m.mel.shape) || !Array.isArray(m.mfcc.shape)) corrupt(`${file}: mel/mfcc entries missing or with unexpected dtypes`);
  return m;
}

function readExact(fd: number, into: Uint8Array, position: number, label: string): void {
  let got = 0;
  while (got < into.length) {
    const n = fs.readSync(fd, into, got, into.length - got, position + got);
    if (n === 0) corrupt(`${label}: file ends at byte ${position + got}, expected ${into.length - got} more (truncated since it was opened?)`);
    got += n;
  }
}

export function openFeatureStore(dir: string): FeatureStore {
  const manifest = readManifest(dir);
  const indexFile = path.join(dir, FILES.index);
  let indexText: string;
  try {
    indexText = fs.readFileSync(indexFile, 'utf8');
  } catch {
    corrupt(`no ${FILES.index} in "${dir}" (the store is incomplete)`);
  }
  const rows = parseIndex(indexText, indexFile);
  const total = rows.length === 0 ? 0 : rows[rows.length - 1].startFrame + rows[rows.length - 1].frames;
  if (rows.length !== manifest.clips) corrupt(`${indexFile}: ${rows.length} clips, the manifest says ${manifest.clips}`);
  if (total !== manifest.totalFrames) corrupt(`${indexFile}: rows tile ${total} frames, the manifest says ${manifest.totalFrames}`);
  const melBands = manifest.mel.shape[1];
  const mfccWidth = manifest.mfcc.shape[1];
  const byId = new Map(rows.map((r) => [r.id, r]));

  const mel = openArray(path.join(dir, manifest.mel.file), '<f2', total, melBands);
  let mfcc: ArrayFile;
  try {
    mfcc = openArray(path.join(dir, manifest.mfcc.file), '<f4', total, mfccWidth);
  } catch (err) {
    fs.closeSync(mel.fd);
    throw err;
  }

  let closed = false;
  let scratch = new Uint8Array(0);
  const rowOf = (id: string): ClipRow => {
    if (closed) throw new EarshotError('ERR_INVALID_ARGUMENT', `feature store "${dir}" is closed`);
    const r = byId.get(id);
    if (!r) throw new EarshotError('ERR_INVALID_ARGUMENT', `no clip "${id}" in feature store "${dir}"`);
    return r;
  };
  const readRows = (a: ArrayFile, first: number, n: number, label: string, into: Uint8Array) => readExact(a.fd, into, a.dataOffset + first * a.rowBytes, label);
  const window = (kind: 'mel' | 'mfcc', id: string, startFrame: number, n: number, out?: Float32Array): Float32Array => {
    const r = rowOf(id);
    if (!Number.isInteger(startFrame) || !Number.isInteger(n) || startFrame < 0 || n < 0 || startFrame + n > r.frames) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `${kind} window [${startFrame}, ${startFrame + n}) is outside clip "${id}" (${r.frames} frames)`);
    }
    const width = kind === 'mel' ? melBands : mfccWidth;
    const dst = out ?? new Float32Array(n * width);
    if (dst.length < n * width) throw new EarshotError('ERR_INVALID_ARGUMENT', `out holds ${dst.length} values, the window needs ${n * width}`);
    const file = kind === 'mel' ? mel : mfcc;
    const label = path.join(dir, kind === 'mel' ? manifest.mel.file : manifest.mfcc.file);
    if (kind === 'mfcc') {
      // float32 rows land directly in the output's bytes, then are byte-swapped on a big-endian host.
      const bytes = new Uint8Array(dst.buffer, dst.byteOffset, n * width * 4);
      readRows(file, r.startFrame + startFrame, n, label, bytes);
      if (!LITTLE_ENDIAN_HOST) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
      return dst;
    }
    const bytes = n * file.rowBytes;
    if (scratch.length < bytes) scratch = new Uint8Array(bytes);
    const raw = scratch.subarray(0, bytes);
    readRows(file, r.startFrame + startFrame, n, label, raw);
    decodeFloat16LE(raw, dst);
    return dst;
  };

  return {
    dir,
    manifest,
    ids: rows.map((r) => r.id),
    melBands,
    mfccWidth,
    totalFrames: total,
    has: (id) => byId.has(id),
    clip: (id) => ({ ...rowOf(id) }),
    frames: (id) => rowOf(id).frames,
    melOf: (id) => window('mel', id, 0, rowOf(id).frames),
    mfccOf: (id) => window('mfcc', id, 0, rowOf(id).frames),
    melWindow: (id, s, n, out) => window('mel', id, s, n, out),
    mfccWindow: (id, s, n, out) => window('mfcc', id, s, n, out),
    rawRows: (kind, startFrame, n) => {
      if (closed) throw new EarshotError('ERR_INVALID_ARGUMENT', `feature store "${dir}" is closed`);
      const file = kind === 'mel' ? mel : mfcc;
      if (!Number.isInteger(startFrame) || !Number.isInteger(n) || startFrame < 0 || n < 0 || startFrame + n > total) {
        throw new EarshotError('ERR_INVALID_ARGUMENT', `rows [${startFrame}, ${startFrame + n}) are outside the store (${total} frames)`);
      }
      const out = Buffer.alloc(n * file.rowBytes);
      readRows(file, startFrame, n, path.join(dir, kind === 'mel' ? manifest.mel.file : manifest.mfcc.file), out);
      return out;
    },
    close: () => {
      if (closed) return;
      closed = true;
      fs.closeSync(mel.fd);
      fs.closeSync(mfcc.fd);
    },
  };
}
