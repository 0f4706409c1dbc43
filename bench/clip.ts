/**
 * The benchmark's input: one real clip as mono float32 at 22,050 Hz, or — when the clip is missing or
 * cannot be decoded — a deterministic synthetic signal, with a note saying which and why.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAudio } from '../src/audio/load';

export const BENCH_RATE_HZ = 22050;
export const SYNTHETIC_DURATION_S = 30;

/** dist/bench/clip.js -> repository root is two levels up. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const DEFAULT_CLIP = path.resolve(REPO_ROOT, '..', 'shared', 'data', 'audio', 'nexuiz-beast-of-insanity.ogg');

export interface BenchAudio {
  samples: Float32Array;
  /** What was measured, for the header: the clip path, or "synthetic ...". */
  label: string;
  /** How it was obtained (decoder used, or why the synthetic fallback was taken). */
  note: string;
  synthetic: boolean;
}

/**
 * Fallback decoder, independent of earshot's own: ffmpeg's resampler straight to mono f32le at 22,050 Hz.
 * Returns null (with the reason) when ffmpeg is missing or fails.
 */
function decodeWithFfmpeg(clip: string): { samples: Float32Array } | { error: string } {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', clip, '-f', 'f32le', '-ac', '1', '-ar', String(BENCH_RATE_HZ), 'pipe:1'], {
    maxBuffer: 1 << 30,
  });
  if (r.error) return { error: r.error.message };
  if (r.status !== 0) return { error: `ffmpeg exited ${r.status}: ${r.stderr.toString().trim().slice(-300)}` };
  const bytes = r.stdout;
  // Copy into a fresh, aligned buffer: Node's Buffer may sit at an odd offset in its pool.
  const samples = new Float32Array(bytes.length >> 2);
  new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 4));
  return { samples };
}

/**
 * 30 s of music-like content with a fixed seed: a slow log chirp 55 Hz -> 5 kHz, a two-note chord
 * with harmonics, and low-level white noise (so no band is silent). Deterministic across runs.
 */
export function syntheticSignal(durationS = SYNTHETIC_DURATION_S, rateHz = BENCH_RATE_HZ): Float32Array {
  const n = Math.round(durationS * rateHz);
  const out = new Float32Array(n);
  let seed = 0x9e3779b9;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296 - 0.5;
  };
  const f0 = 55;
  const f1 = 5000;
  const k = Math.log(f1 / f0) / durationS;
  for (let i = 0; i < n; i++) {
    const t = i / rateHz;
    const chirpPhase = (2 * Math.PI * f0 * (Math.exp(k * t) - 1)) / k;
    let x = 0.3 * Math.sin(chirpPhase);
    for (let h = 1; h <= 4; h++) x += (0.1 / h) * (Math.sin(2 * Math.PI * 220 * h * t) + Math.sin(2 * Math.PI * 277.18 * h * t));
    out[i] = x + 0.01 * rand();
  }
  return out;
}

function synthetic(reason: string): BenchAudio {
  return {
    samples: syntheticSignal(),
    label: `synthetic ${SYNTHETIC_DURATION_S} s signal (chirp + chord + noise)`,
    note: `synthetic fallback: ${reason}`,
    synthetic: true,
  };
}

/** earshot's own loader first (decode + downmix + earshot resampler), then plain ffmpeg, then synthetic. */
export async function loadBenchAudio(clip: string = DEFAULT_CLIP): Promise<BenchAudio> {
  if (!fs.existsSync(clip)) return synthetic(`clip not found: ${clip}`);
  let earshotError = '';
  try {
    const a = await loadAudio(clip, { sampleRateHz: BENCH_RATE_HZ });
    return {
      samples: a.samples,
      label: clip,
      note: `decoded by earshot loadAudio (${a.sourceRateHz} Hz x ${a.sourceChannels} ch -> mono ${BENCH_RATE_HZ} Hz)`,
      synthetic: false,
    };
  } catch (err) {
    earshotError = err instanceof Error ? err.message : String(err);
  }
  const ff = decodeWithFfmpeg(clip);
  if ('samples' in ff && ff.samples.length > 0) {
    return {
      samples: ff.samples,
      label: clip,
      note: `decoded by ffmpeg -ac 1 -ar ${BENCH_RATE_HZ} (earshot loadAudio failed: ${earshotError})`,
      synthetic: false,
    };
  }
  return synthetic(`could not decode ${clip} (earshot: ${earshotError}; ffmpeg: ${'error' in ff ? ff.error : 'no samples'})`);
}
