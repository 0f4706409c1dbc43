/**
 * The `engine` benchmark's audio: the real clips in ../shared/data/audio, decoded once with earshot's
 * own loadAudio (ffmpeg for the compressed formats, earshot's resampler) at the wire rate, and converted
 * once to the wire format (interleaved pcm_s16le or pcm_f32le), so that sending a chunk is a subarray.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAudio } from '../src/audio/load';
import type { PcmEncoding } from '../src/protocol';
import { REPO_ROOT, syntheticSignal } from './clip';

export const DEFAULT_CLIP_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'data', 'audio');
const AUDIO_EXTENSIONS = new Set(['.mp3', '.ogg', '.flac', '.opus', '.wav', '.m4a']);

export interface WireFormat {
  encoding: PcmEncoding;
  sampleRateHz: number;
  channels: number;
}

export interface WireClip {
  name: string;
  /** The clip in wire format, followed by a copy of its first `padBytes`, so a chunk that wraps around
   *  the end is still one contiguous subarray. */
  bytes: Buffer;
  /** Bytes of the clip itself (a whole number of sample frames). */
  clipBytes: number;
  durationS: number;
}

/** Mono float32 → interleaved wire samples (the mono signal copied to every channel). */
export function toWire(mono: Float32Array, fmt: WireFormat, padBytes: number): { bytes: Buffer; clipBytes: number } {
  const bytesPerFrame = fmt.channels * (fmt.encoding === 'pcm_s16le' ? 2 : 4);
  const clipBytes = mono.length * bytesPerFrame;
  if (clipBytes < padBytes) throw new Error(`a clip of ${mono.length} samples is shorter than one chunk`);
  const bytes = Buffer.alloc(clipBytes + padBytes);
  let o = 0;
  for (let i = 0; i < mono.length; i++) {
    const x = mono[i];
    for (let c = 0; c < fmt.channels; c++) {
      if (fmt.encoding === 'pcm_s16le') {
        o = bytes.writeInt16LE(Math.round(Math.max(-1, Math.min(1, x)) * 32767), o);
      } else {
        o = bytes.writeFloatLE(x, o);
      }
    }
  }
  bytes.copy(bytes, clipBytes, 0, padBytes);
  return { bytes, clipBytes };
}

/**
 * Every audio file in `dir` (sorted by name), decoded and converted. When the folder is missing or holds
 * no decodable clip, one deterministic 30-s synthetic signal stands in and `note` says so.
 */
export async function loadWireClips(dir: string, fmt: WireFormat, padBytes: number): Promise<{ clips: WireClip[]; note: string }> {
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => AUDIO_EXTENSIONS.has(path.extname(f).toLowerCase()))
        .sort()
    : [];
  const clips: WireClip[] = [];
  const failures: string[] = [];
  for (const f of files) {
    try {
      const a = await loadAudio(path.join(dir, f), { sampleRateHz: fmt.sampleRateHz });
      clips.push({ name: f, ...toWire(a.samples, fmt, padBytes), durationS: a.samples.length / fmt.sampleRateHz });
    } catch (err) {
      failures.push(`${f}: ${(err as Error).message}`);
    }
  }
  if (clips.length === 0) {
    const mono = syntheticSignal(30, fmt.sampleRateHz);
    clips.push({ name: 'synthetic', ...toWire(mono, fmt, padBytes), durationS: 30 });
    return { clips, note: `no decodable clip in ${dir} (${failures.join('; ') || 'folder missing or empty'}): synthetic 30-s signal` };
  }
  const note = `${clips.length} clips from ${dir}` + (failures.length ? `; skipped ${failures.join('; ')}` : '');
  return { clips, note };
}
