/**
 * The recordings of the track-change benchmark: music files grouped by the package (or game) they come
 * from, and seeded streams built from them with their true change times:
 *
 * - `excerptMix`: 30-s excerpts of tracks from different packages back to back, each pair joined by a
 *   linear (ffmpeg acrossfade's default 'tri') crossfade of 0–2 s; the true change is the middle of
 *   the crossfade. Excerpts start 30 s into a track when it is long enough (as the shared clips do), so
 *   most are mid-song, never silence-padded intros.
 * - `playlist`: whole tracks one after another with the same crossfades (continuous music: fade-outs,
 *   quiet intros and all).
 *
 * Audio goes through earshot's own decode → downmix → resampler path (loadAudio) at 22,050 Hz.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ANALYSIS_RATE_HZ, loadAudio } from '../src/audio/load';
import { type Rand, randomInt } from '../trainer/eval/prng';

export interface MusicFile {
  path: string;
  /** What makes two files "different music": the Debian package (game music) or the clip's game prefix. */
  group: string;
  bytes: number;
}

export interface TestStreamAudio {
  samples: Float32Array;
  /** True change times (s). */
  changes: number[];
  /** What plays, in order (file base names and the excerpt's start). */
  parts: string[];
}

const AUDIO_EXT = /\.(ogg|oga|opus|flac|mp3|wav|it|xm|mod|s3m)$/i;

/**
 * Music files under `root`, larger than `minBytes`, whose path below root matches `pathPattern`. The group is the
 * first folder under root (a package extracted as root/<package>/…), or for files directly in root the
 * part of the name before the first '-' (the shared clips: "wesnoth-battle.ogg" → "wesnoth").
 */
export function listMusic(root: string, pathPattern: RegExp, minBytes: number): MusicFile[] {
  const out: MusicFile[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && AUDIO_EXT.test(e.name) && pathPattern.test(path.relative(root, p))) {
        const bytes = fs.statSync(p).size;
        if (bytes < minBytes) continue;
        const rel = path.relative(root, p).split(path.sep);
        out.push({ path: p, group: rel.length > 1 ? rel[0] : rel[0].split('-')[0], bytes });
      }
    }
  };
  walk(root);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Each file's duration (s) from ffprobe's container header (planning only: nothing is decoded). */
export async function probeDurations(files: MusicFile[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of files) {
    // A file ffprobe cannot read gets no duration: the plans leave it out.
    const stdout = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', f.path]).then((r) => r.stdout, () => '');
    const d = Number(stdout.trim());
    if (Number.isFinite(d) && d > 0) out.set(f.path, d);
  }
  return out;
}

/** The decoded audio of a file, mono at 22,050 Hz. */
export async function decodeMusic(file: string): Promise<Float32Array> {
  return (await loadAudio(file, { maxDurationS: 3600 })).samples;
}

/** A crossfade length, uniform in [0, maxS] s, in samples. */
function crossfadeSamples(rand: Rand, maxS: number): number {
  return Math.round(rand() * maxS * ANALYSIS_RATE_HZ);
}

/** Appends `next` to `acc` with a linear crossfade of `xf` samples; returns the joined audio and the change time. */
function join(acc: Float32Array, next: Float32Array, xf: number): { samples: Float32Array; changeS: number } {
  const n = Math.min(xf, acc.length, next.length);
  const out = new Float32Array(acc.length + next.length - n);
  out.set(acc);
  const at = acc.length - n;
  for (let i = 0; i < n; i++) {
    const g = (i + 1) / (n + 1);
    out[at + i] = acc[at + i] * (1 - g) + next[i] * g;
  }
  out.set(next.subarray(n), acc.length);
  return { samples: out, changeS: (at + n / 2) / ANALYSIS_RATE_HZ };
}

/** Joins pieces with random 0–maxCrossfadeS crossfades. */
export function joinWithCrossfades(pieces: Float32Array[], rand: Rand, maxCrossfadeS: number): { samples: Float32Array; changes: number[] } {
  let acc = pieces[0];
  const changes: number[] = [];
  for (const p of pieces.slice(1)) {
    const j = join(acc, p, crossfadeSamples(rand, maxCrossfadeS));
    acc = j.samples;
    changes.push(j.changeS);
  }
  return { samples: acc, changes };
}

export interface ExcerptPlan {
  file: MusicFile;
  startS: number;
}

/**
 * `count` mixes of `perMix` excerpts: each excerpt from a group other than the previous one's, a file
 * long enough for an excerpt, its start 30 s in (or as far as the file allows) plus a random offset of
 * up to 30 s more. `durations` gives each file's length (s).
 */
export function planExcerptMixes(files: MusicFile[], durations: Map<string, number>, rand: Rand, count: number, perMix: number, excerptS: number): ExcerptPlan[][] {
  const usable = files.filter((f) => (durations.get(f.path) ?? 0) >= excerptS + 1);
  const groups = [...new Set(usable.map((f) => f.group))].sort();
  if (groups.length < 2) throw new Error(`excerpt mixes need files of at least 2 groups long enough for ${excerptS}-s excerpts; found ${groups.length}`);
  const mixes: ExcerptPlan[][] = [];
  for (let m = 0; m < count; m++) {
    const mix: ExcerptPlan[] = [];
    for (let i = 0; i < perMix; i++) {
      const prev = mix.length > 0 ? mix[mix.length - 1].file.group : null;
      const choices = groups.filter((g) => g !== prev);
      const g = choices[randomInt(rand, choices.length)];
      const inGroup = usable.filter((f) => f.group === g);
      const file = inGroup[randomInt(rand, inGroup.length)];
      const dur = durations.get(file.path)!;
      const lo = Math.min(30, dur - excerptS);
      const hi = Math.min(lo + 30, dur - excerptS);
      mix.push({ file, startS: lo + rand() * (hi - lo) });
    }
    mixes.push(mix);
  }
  return mixes;
}

/**
 * Decodes each file named by the plans once and cuts the excerpts; returns the joined mixes in plan
 * order. `decoded` caches whole files across calls only for the duration of this call.
 */
export async function buildExcerptMixes(plans: ExcerptPlan[][], excerptS: number, rand: Rand, maxCrossfadeS: number): Promise<TestStreamAudio[]> {
  const byFile = new Map<string, { plan: ExcerptPlan; mix: number; slot: number }[]>();
  plans.forEach((mix, m) => mix.forEach((plan, slot) => {
    const list = byFile.get(plan.file.path) ?? [];
    list.push({ plan, mix: m, slot });
    byFile.set(plan.file.path, list);
  }));
  const pieces = plans.map((mix) => new Array<Float32Array>(mix.length));
  const n = Math.round(excerptS * ANALYSIS_RATE_HZ);
  for (const [file, uses] of byFile) {
    const x = await decodeMusic(file);
    for (const u of uses) {
      const at = Math.max(0, Math.min(x.length - n, Math.round(u.plan.startS * ANALYSIS_RATE_HZ)));
      pieces[u.mix][u.slot] = x.slice(at, at + n);
    }
  }
  return plans.map((mix, m) => {
    const j = joinWithCrossfades(pieces[m], rand, maxCrossfadeS);
    return { ...j, parts: mix.map((p) => `${path.basename(p.file.path)}@${p.startS.toFixed(1)}`) };
  });
}

/** Whole tracks in the given order, joined with random crossfades. */
export async function buildPlaylist(files: MusicFile[], rand: Rand, maxCrossfadeS: number): Promise<TestStreamAudio> {
  const pieces: Float32Array[] = [];
  for (const f of files) pieces.push(await decodeMusic(f.path));
  return { ...joinWithCrossfades(pieces, rand, maxCrossfadeS), parts: files.map((f) => path.basename(f.path)) };
}

/** A seeded shuffle (Fisher-Yates) of a copy. */
export function shuffled<T>(items: readonly T[], rand: Rand): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(rand, i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
