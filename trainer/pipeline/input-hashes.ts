/**
 * The digests that key the pipeline's stages (TrainingData.inputHashes, stage-cache.ts): a file's
 * bytes, and the audio listing. The listing digest covers each song's id, path, size and modification
 * time, not the audio's bytes: hashing 100,000 clips would take longer than the features stage it
 * saves, and an edited file changes its size or mtime.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { EarshotError } from '../../src/errors';
import { digestOf } from './stage-cache';
import type { SongEntry } from './training-data';

/** Read size for hashing, bytes. */
const CHUNK_BYTES = 1 << 20;

/** Hex SHA-256 of a file's bytes (what `sha256sum FILE` prints), read in chunks; ERR_IO naming it. */
export function fileSha256(file: string): string {
  const hash = crypto.createHash('sha256');
  const buf = Buffer.alloc(CHUNK_BYTES);
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Hex SHA-256 over (id, path, size, mtime) of every song with audio, in the songs' order. */
export function audioListingSha256(songs: readonly SongEntry[]): string {
  const rows: string[] = [];
  for (const s of songs) {
    if (s.audio === null) continue;
    const st = fs.statSync(s.audio, { throwIfNoEntry: false });
    rows.push(`${s.id}\t${s.audio}\t${st?.size ?? -1}\t${st?.mtimeMs ?? -1}`);
  }
  return digestOf(rows);
}
