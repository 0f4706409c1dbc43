/**
 * A shard: one clip's features, written atomically by a worker while a run is in progress and packed
 * into the store at the end (then deleted). Its existence means the clip is done: a rerun after an
 * interruption skips it. Layout (little-endian):
 *   bytes 0..7    "ESHARD1\n"
 *   bytes 8..11   u32 length J of the JSON meta that follows
 *   J bytes       UTF-8 JSON {id, path, frames, melBands, mfccWidth, seconds}, space-padded to 8 bytes
 *   frames·melBands·2 bytes     mel, float16 (exactly the bytes mel.npy stores)
 *   frames·mfccWidth·4 bytes    MFCC + Δ + ΔΔ, float32
 * The total size follows from the meta, so a shard cut short (a crash before the data reached the
 * disk) is recognised and recomputed rather than packed.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { encodeFloat16LE } from '../../src/io/float16';
import type { ClipFeatures } from './extract';

const MAGIC = Buffer.from('ESHARD1\n', 'latin1');
const PREFIX_BYTES = MAGIC.length + 4;
const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

export interface ShardMeta {
  id: string;
  path: string;
  frames: number;
  melBands: number;
  mfccWidth: number;
  seconds: number;
}

export interface ShardLayout extends ShardMeta {
  melOffset: number;
  melBytes: number;
  mfccOffset: number;
  mfccBytes: number;
  totalBytes: number;
}

/**
 * Ids used as they are in shard names: what file stems usually are. Any other id (a songs or plays
 * file's: with '/', ':', a leading '.', over 200 characters) could escape the folder or be too long for
 * a file name, and is named by its digest instead ('~' marks those; no plain name starts with it).
 */
const PLAIN_ID = /^[A-Za-z0-9_-][A-Za-z0-9._ -]{0,199}$/;

export function shardFileName(id: string): string {
  return PLAIN_ID.test(id) ? `${id}.shard` : `~${crypto.createHash('sha256').update(id).digest('hex').slice(0, 40)}.shard`;
}

export function encodeShard(id: string, path: string, f: ClipFeatures): Buffer {
  const meta: ShardMeta = { id, path, frames: f.frames, melBands: f.melBands, mfccWidth: f.mfccWidth, seconds: f.seconds };
  // Padded with spaces (still valid JSON) so the arrays start 8-byte aligned: whole-word conversion.
  const text = Buffer.from(JSON.stringify(meta), 'utf8');
  const json = Buffer.alloc(text.length + ((8 - ((PREFIX_BYTES + text.length) % 8)) % 8), 0x20);
  text.copy(json);
  const melBytes = f.frames * f.melBands * 2;
  const mfccBytes = f.frames * f.mfccWidth * 4;
  const out = Buffer.alloc(PREFIX_BYTES + json.length + melBytes + mfccBytes);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, PREFIX_BYTES);
  const melAt = PREFIX_BYTES + json.length;
  encodeFloat16LE(f.mel, out.subarray(melAt, melAt + melBytes));
  const mfccAt = melAt + melBytes;
  if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(f.mfcc.buffer, f.mfcc.byteOffset, mfccBytes), mfccAt);
  else for (let i = 0; i < f.mfcc.length; i++) out.writeFloatLE(f.mfcc[i], mfccAt + 4 * i);
  return out;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Reads a shard's prefix and meta and checks the file size; null when the file is not a complete shard
 * (truncated, foreign, unreadable): the caller recomputes that clip.
 */
export function readShardLayout(file: string): ShardLayout | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = Buffer.alloc(PREFIX_BYTES);
    if (fs.readSync(fd, prefix, 0, PREFIX_BYTES, 0) !== PREFIX_BYTES || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) return null;
    const jsonLen = prefix.readUInt32LE(MAGIC.length);
    if (PREFIX_BYTES + jsonLen > size) return null;
    const json = Buffer.alloc(jsonLen);
    if (fs.readSync(fd, json, 0, jsonLen, PREFIX_BYTES) !== jsonLen) return null;
    let meta: ShardMeta;
    try {
      meta = JSON.parse(json.toString('utf8')) as ShardMeta;
    } catch {
      return null;
    }
    if (typeof meta?.id !== 'string' || typeof meta.path !== 'string' || !isCount(meta.frames) || meta.frames < 1 || !isCount(meta.melBands) || !isCount(meta.mfccWidth) || !(meta.seconds >= 0)) return null;
    const melOffset = PREFIX_BYTES + jsonLen;
    const melBytes = meta.frames * meta.melBands * 2;
    const mfccOffset = melOffset + melBytes;
    const mfccBytes = meta.frames * meta.mfccWidth * 4;
    const totalBytes = mfccOffset + mfccBytes;
    if (size !== totalBytes) return null;
    return { ...meta, melOffset, melBytes, mfccOffset, mfccBytes, totalBytes };
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
