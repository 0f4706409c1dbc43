/**
 * Packs finished clips into the store's files (store-format.ts): rows are streamed, clip by clip, into
 * temporary mel/mfcc .npy files beside the final ones (never the whole set in memory: a 9,330-clip
 * store is ≈ 3 GiB of mel), fsynced, and then committed. The commit removes features.json first and
 * writes it again last, so whatever instant a crash hits, the directory either has a manifest that
 * matches its files or has none (and the reader refuses it; a rerun rebuilds it from the shards, which
 * are deleted only after the commit).
 *
 * That safety costs the store twice on disk while it is packed (shards and packed arrays side by side:
 * 107 GB for 100,000 30-s songs). With `consumeShards` each shard is deleted as soon as its rows are
 * written, so the peak is the store once: a crash while packing then loses the shards already packed,
 * and the next run computes those clips again (never a wrong store: the commit is unchanged).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import { encodeNpyHeader } from '../../src/io/npy-header';
import type { ShardLayout } from './shard';
import type { FeatureStore } from './store';
import { FILES, formatFailed, formatIndex, type ClipRow, type FeatureManifest } from './store-format';

/** Where a clip's rows come from: its shard, or the rows of a previous store being extended. */
export type PackSource = { kind: 'shard'; file: string; layout: ShardLayout } | { kind: 'store'; store: FeatureStore; startFrame: number };

export interface PackEntry {
  id: string;
  path: string;
  frames: number;
  seconds: number;
  source: PackSource;
}

function ioFail(what: string, err: unknown): never {
  throw new EarshotError('ERR_IO', `${what}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
}

function writeAll(fd: number, bytes: Uint8Array, file: string): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(fd, bytes, off, bytes.length - off);
    } catch (err) {
      ioFail(`cannot write "${file}"`, err);
    }
  }
}

function readShard(file: string, l: ShardLayout): { mel: Uint8Array; mfcc: Uint8Array } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    ioFail(`cannot read shard "${file}"`, err);
  }
  if (bytes.length !== l.totalBytes) throw new EarshotError('ERR_IO', `shard "${file}" changed size while packing (${bytes.length} bytes, expected ${l.totalBytes})`);
  return { mel: bytes.subarray(l.melOffset, l.melOffset + l.melBytes), mfcc: bytes.subarray(l.mfccOffset, l.mfccOffset + l.mfccBytes) };
}

/**
 * Writes mel.npy, mfcc.npy, index.tsv, failed.tsv and (last) features.json in `out`. `manifest` is
 * completed with the shapes and counts. Stores in `entries` are read from before the commit and
 * closed before it (their files are the ones being replaced).
 */
export function packStore(
  out: string,
  entries: readonly PackEntry[],
  failures: readonly { path: string; error: string }[],
  manifest: Omit<FeatureManifest, 'clips' | 'totalFrames' | 'failures'>,
  options: { consumeShards?: boolean } = {},
): FeatureManifest {
  const melBands = manifest.mel.shape[1];
  const mfccWidth = manifest.mfcc.shape[1];
  const rows: ClipRow[] = [];
  let total = 0;
  for (const e of entries) {
    rows.push({ id: e.id, path: e.path, startFrame: total, frames: e.frames, seconds: e.seconds });
    total += e.frames;
  }
  const tag = `${process.pid}.pack.tmp`;
  const tmp = { mel: path.join(out, `${FILES.mel}.${tag}`), mfcc: path.join(out, `${FILES.mfcc}.${tag}`) };
  const fds: number[] = [];
  try {
    const open = (file: string) => {
      try {
        const fd = fs.openSync(file, 'w');
        fds.push(fd);
        return fd;
      } catch (err) {
        ioFail(`cannot create "${file}"`, err);
      }
    };
    const melFd = open(tmp.mel);
    const mfccFd = open(tmp.mfcc);
    writeAll(melFd, encodeNpyHeader('<f2', [total, melBands]), tmp.mel);
    writeAll(mfccFd, encodeNpyHeader('<f4', [total, mfccWidth]), tmp.mfcc);
    for (const e of entries) {
      const s = e.source;
      if (s.kind === 'shard') {
        const { mel, mfcc } = readShard(s.file, s.layout);
        writeAll(melFd, mel, tmp.mel);
        writeAll(mfccFd, mfcc, tmp.mfcc);
        if (options.consumeShards) fs.rmSync(s.file, { force: true });
      } else {
        writeAll(melFd, s.store.rawRows('mel', s.startFrame, e.frames), tmp.mel);
        writeAll(mfccFd, s.store.rawRows('mfcc', s.startFrame, e.frames), tmp.mfcc);
      }
    }
    // On disk before the shards that could rebuild them are deleted.
    for (const fd of fds) fs.fsyncSync(fd);
    for (const fd of fds.splice(0)) fs.closeSync(fd);
    for (const e of entries) if (e.source.kind === 'store') e.source.store.close();

    const { format, version, mel, mfcc, ...rest } = manifest;
    const full: FeatureManifest = {
      format, version, clips: entries.length, totalFrames: total, failures: failures.length,
      mel: { ...mel, shape: [total, melBands] },
      mfcc: { ...mfcc, shape: [total, mfccWidth] },
      ...rest,
    };
    const manifestPath = path.join(out, FILES.manifest);
    try {
      fs.rmSync(manifestPath, { force: true });
      fs.renameSync(tmp.mel, path.join(out, FILES.mel));
      fs.renameSync(tmp.mfcc, path.join(out, FILES.mfcc));
    } catch (err) {
      ioFail(`cannot commit the store in "${out}"`, err);
    }
    writeFileAtomic(path.join(out, FILES.index), Buffer.from(formatIndex(rows)));
    writeFileAtomic(path.join(out, FILES.failed), Buffer.from(formatFailed(failures)));
    writeFileAtomic(manifestPath, Buffer.from(JSON.stringify(full, null, 2) + '\n'));
    return full;
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    fs.rmSync(tmp.mel, { force: true });
    fs.rmSync(tmp.mfcc, { force: true });
  }
}
