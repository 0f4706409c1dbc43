/**
 * `npm run bench -- triplets-scale [--lines N] [--users N] [--items N] [--seed N] [--dir PATH] [--keep] [--json]`:
 * can loadInteractions take the full Echo Nest Taste Profile (the paper's data set: 48,373,586 lines,
 * 1,019,318 users, 384,546 songs, ~3 GB of text) in < 60 s and < 4 GB RSS? The real file is not here
 * (../shared/data has a 2,023-line sample), so a file of the same shape is generated:
 *
 *   users   40 lowercase hex chars (like fd50c4007b68a3737fe052d5a4f78ce8aa117f3d), lines grouped by
 *           user as in train_triplets.txt; songs per user = 10 + a Pareto(alpha 1.5) share of the rest,
 *           capped near 4,400 (the real minimum is 10 and maximum ~4,400)
 *   songs   SO + 5 letters + 12A + 8 hex = 18 chars (like SOBONKR12A58A7A7E0); popularity Zipf(0.9);
 *           the first 384,546 lines name every song once so all of them occur
 *   counts  floor(Pareto(alpha 1.6)), capped at 9,667 (the real maximum): ~67% ones, heavy tail
 *
 * Repeats of a (user, song) pair are possible, as in any sampled data: the loader sums them and the
 * report shows how many. Fixed seed, so the file is the same on every run; it is written in 4 MiB blocks
 * (memory stays small) and deleted afterwards unless --keep, in which case a later run reuses it.
 * Reported: generation and load seconds, load throughput, peak RSS of the process
 * (process.resourceUsage().maxRSS; generation itself peaks at ~0.1 GB, so the figure is the loader's).
 */
import { mulberry32 } from '../trainer/eval/prng';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadInteractions } from '../trainer/data/interactions';
import { hardwareLine, parseFlags } from './harness';

export const TASTE_PROFILE = { lines: 48_373_586, users: 1_019_318, items: 384_546 };
const TARGET_S = 60;
const TARGET_RSS_GB = 4;
export const MIN_SONGS_PER_USER = 10;
const MAX_USER_WEIGHT = 350; // x ~12.6 lines per unit weight at full size: at most ~4,400 songs
const ZIPF_S = 0.9;
export const MAX_COUNT = 9667;
const BLOCK_BYTES = 4 << 20;

interface Shape {
  lines: number;
  users: number;
  items: number;
  seed: number;
}

/** Seeded uniform [0, 1): the project's PRNG. */
const rng = (seed: number) => mulberry32(seed >>> 0);

const HEX = Buffer.from('0123456789abcdef');
const HEX_UPPER = Buffer.from('0123456789ABCDEF');

/** Songs per user: MIN each, the rest shared by capped Pareto weights, summing exactly to `lines`. */
function songsPerUser(s: Shape, rand: () => number): Int32Array {
  const n = new Int32Array(s.users);
  const rest = s.lines - MIN_SONGS_PER_USER * s.users;
  if (rest < 0) throw new Error(`--lines ${s.lines} is fewer than ${MIN_SONGS_PER_USER} per user`);
  const w = new Float64Array(s.users);
  let sum = 0;
  for (let u = 0; u < s.users; u++) sum += w[u] = Math.min(MAX_USER_WEIGHT, (1 - rand()) ** (-1 / 1.5));
  let total = 0;
  for (let u = 0; u < s.users; u++) total += n[u] = MIN_SONGS_PER_USER + Math.floor((w[u] / sum) * rest);
  for (let u = 0; total < s.lines; u = (u + 1) % s.users, total++) n[u]++;
  return n;
}

/** Cumulative Zipf(ZIPF_S) weights over song ranks, for inverse-CDF sampling. */
export function zipfCdf(items: number): Float64Array {
  const cdf = new Float64Array(items);
  let acc = 0;
  for (let k = 0; k < items; k++) cdf[k] = acc += (k + 1) ** -ZIPF_S;
  for (let k = 0; k < items; k++) cdf[k] /= acc;
  return cdf;
}

export function sampleCdf(cdf: Float64Array, r: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** 18-byte song ids, unique by construction: 5 base-26 letters of the index, then a hex tag. */
export function songIds(items: number): Uint8Array {
  const out = new Uint8Array(items * 18);
  for (let k = 0; k < items; k++) {
    const o = k * 18;
    out[o] = 83; // S
    out[o + 1] = 79; // O
    for (let d = 0, x = k; d < 5; d++, x = Math.floor(x / 26)) out[o + 6 - d] = 65 + (x % 26);
    out.set([49, 50, 65], o + 7); // 12A
    const tag = Math.imul(k + 1, 0x9e3779b1) >>> 0;
    for (let d = 0; d < 8; d++) out[o + 10 + d] = HEX_UPPER[(tag >>> (28 - 4 * d)) & 15];
  }
  return out;
}

/** Writes the file; returns seconds taken. */
function generate(file: string, s: Shape): number {
  const t0 = process.hrtime.bigint();
  const rand = rng(s.seed);
  const perUser = songsPerUser(s, rand);
  const cdf = zipfCdf(s.items);
  const songs = songIds(s.items);
  // a fixed permutation of ranks to song indices, so popular songs are spread over the id space
  const rankToSong = Int32Array.from({ length: s.items }, (_, k) => k);
  for (let k = s.items - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    [rankToSong[k], rankToSong[j]] = [rankToSong[j], rankToSong[k]];
  }
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.alloc(BLOCK_BYTES);
  const user = Buffer.alloc(40);
  let len = 0;
  let line = 0;
  try {
    for (let u = 0; u < s.users; u++) {
      const tag = Math.imul(u + 1, 0x9e3779b1) >>> 0; // bijective: the first 8 hex digits make ids unique
      for (let d = 0; d < 8; d++) user[d] = HEX[(tag >>> (28 - 4 * d)) & 15];
      for (let d = 8; d < 40; d++) user[d] = HEX[Math.floor(rand() * 16)];
      for (let k = 0; k < perUser[u]; k++, line++) {
        if (len + 128 > buf.length) {
          fs.writeSync(fd, buf, 0, len);
          len = 0;
        }
        const song = line < s.items ? line : rankToSong[sampleCdf(cdf, rand())];
        const count = Math.min(MAX_COUNT, Math.floor((1 - rand()) ** (-1 / 1.6)));
        user.copy(buf, len);
        buf[len + 40] = 9;
        buf.set(songs.subarray(song * 18, song * 18 + 18), len + 41);
        buf[len + 59] = 9;
        len += 60 + buf.write(String(count), len + 60, 'latin1');
        buf[len++] = 10;
      }
    }
    fs.writeSync(fd, buf, 0, len);
  } finally {
    fs.closeSync(fd);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  const usage = 'usage: npm run bench -- triplets-scale [--lines N] [--users N] [--items N] [--seed N] [--dir PATH] [--keep] [--json]';
  try {
    flags = parseFlags(args, ['--lines', '--users', '--items', '--seed', '--dir'], ['--keep', '--json']);
  } catch (err) {
    process.stderr.write(`bench triplets-scale: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  const num = (k: string, d: number) => (flags.has(k) ? Number(flags.get(k)) : d);
  const shape: Shape = { lines: num('--lines', TASTE_PROFILE.lines), users: num('--users', TASTE_PROFILE.users), items: num('--items', TASTE_PROFILE.items), seed: num('--seed', 20131205) };
  if (!Object.values(shape).every((v) => Number.isInteger(v) && v > 0)) {
    process.stderr.write(`bench triplets-scale: --lines, --users, --items, --seed must be positive integers\n${usage}\n`);
    return 2;
  }
  const dir = typeof flags.get('--dir') === 'string' ? (flags.get('--dir') as string) : path.join(os.tmpdir(), 'earshot-triplets-scale');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `triplets-${shape.lines}-${shape.users}-${shape.items}-${shape.seed}.txt`);
  const log = (m: string) => process.stderr.write(`${m}\n`);

  let genS: number | null = null;
  if (!fs.existsSync(file)) {
    const needBytes = shape.lines * 64 * 1.1; // ~62 bytes a line
    const st = fs.statfsSync(dir);
    if (st.bavail * st.bsize < needBytes) {
      process.stderr.write(`bench triplets-scale: ${dir} has ${(st.bavail * st.bsize / 1e9).toFixed(1)} GB free, needs ~${(needBytes / 1e9).toFixed(1)} GB (use --dir)\n`);
      return 1;
    }
    log(`generating ${file} ...`);
    try {
      genS = generate(file, shape);
    } catch (err) {
      fs.rmSync(file, { force: true });
      throw err;
    }
  } else {
    log(`reusing ${file}`);
  }
  const fileBytes = fs.statSync(file).size;
  const rssBeforeGb = process.resourceUsage().maxRSS / 1024 ** 2;
  log('loading ...');
  const r = await loadInteractions(file);
  const peakGb = process.resourceUsage().maxRSS / 1024 ** 2; // maxRSS is in KiB
  if (!flags.has('--keep')) fs.rmSync(file, { force: true });

  const ok = r.users.length === shape.users && r.items.length === shape.items && r.stats.rows === shape.lines;
  const result = {
    hardware: hardwareLine(),
    shape,
    fileBytes,
    generateSeconds: genS,
    loadSeconds: r.stats.seconds,
    mbPerSecond: fileBytes / 1e6 / r.stats.seconds,
    linesPerSecond: r.stats.rows / r.stats.seconds,
    peakRssGb: peakGb,
    peakRssBeforeLoadGb: rssBeforeGb,
    users: r.users.length,
    items: r.items.length,
    nnz: r.nnz,
    duplicatesMerged: r.stats.duplicatesMerged,
    shapeOk: ok,
    withinTargets: r.stats.seconds < TARGET_S && peakGb < TARGET_RSS_GB,
  };
  if (flags.has('--json')) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const g = (x: number) => x.toFixed(2);
    process.stdout.write(
      [
        `bench triplets-scale — ${result.hardware}`,
        `file: ${shape.lines.toLocaleString('en')} lines, ${(fileBytes / 1e9).toFixed(2)} GB, seed ${shape.seed}${genS === null ? ' (reused)' : `, generated in ${g(genS)} s`}`,
        `loadInteractions: ${g(r.stats.seconds)} s (target < ${TARGET_S}), ${result.mbPerSecond.toFixed(0)} MB/s, ${(result.linesPerSecond / 1e6).toFixed(2)} M lines/s`,
        `peak RSS: ${g(peakGb)} GB (target < ${TARGET_RSS_GB}; ${g(rssBeforeGb)} GB before loading)`,
        `result: ${r.users.length.toLocaleString('en')} users x ${r.items.length.toLocaleString('en')} songs, nnz ${r.nnz.toLocaleString('en')} (${r.stats.duplicatesMerged.toLocaleString('en')} repeats summed), sha256 ${r.checksum.slice(0, 16)}…`,
        ok ? 'shape: as generated' : 'shape: MISMATCH with what was generated',
      ].join('\n') + '\n',
    );
  }
  return ok ? 0 : 1;
}
