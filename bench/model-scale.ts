/**
 * `npm run bench -- model-scale [--songs N[,N…]] [--pool DIR | --pool-songs P] [--users U] [--dir PATH]
 *  [--epochs E] [--cnn compact|small] [--threads T] [--keep] [--json]`: does `earshot-train model` stay
 * within the machine at catalogue scale (issue 15: 100,000 songs × 30 s on 2 cores / 24 GiB, memory
 * bounded by the feature store and not by the catalogue), and what would the Taste Profile's 384,546
 * songs cost? For each size a catalogue is generated (model-scale-catalogue.ts: hard links into a pool
 * of distinct recordings, so audio repeats every P songs: the feature and CNN costs are real, the
 * learned model is not meaningful), the trainer runs on it as a child process (model-scale-child.ts),
 * and its stage times, peak RSS, feature store size and disk use are reported, then extrapolated:
 * time and store linearly in songs (through the two largest sizes when two are given), RSS as the
 * largest measurement plus the slope between the two largest sizes.
 * Before a size starts, the disk must hold its feature store once: the trainer packs it keeping every
 * shard until the commit when the disk holds the store twice, and deleting each shard once packed when
 * it does not (run-features.ts 'auto' packing). Bytes per song are measured by each run and kept in
 * <dir>/bytes-per-song.json for later runs (an estimate for 30-s clips until then).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './clip';
import { formatTable, hardwareLine, parseFlags } from './harness';
import { buildCatalogue, ensurePool, POOL_WAV_BYTES, poolFiles, USERS_PER_SONG, type Catalogue } from './model-scale-catalogue';
import { freeBytes, runTrainer, type TrainerRun } from './model-scale-child';
import { TASTE_PROFILE } from './triplets-scale';

const USAGE = 'usage: npm run bench -- model-scale [--songs N[,N...]] [--pool DIR | --pool-songs P] [--users U] [--dir PATH] [--epochs E] [--cnn compact|small] [--threads T] [--keep] [--json]';
/** Feature store bytes of a 30-s clip before one is measured: 1,292 frames × (128 mel × float16 + 39 MFCC × float32). */
const ESTIMATED_BYTES_PER_SONG = 1292 * (128 * 2 + 39 * 4);
/** Plays file and bundle per song, bytes (≈ 125 plays of ~62 bytes; 50 float32 factors and a catalogue line). */
const OTHER_BYTES_PER_SONG = 8_000 + 400;
const PAPER_EPOCHS = 30;
const GIB = 1024 ** 3;

interface Options {
  sizes: number[];
  pool: string | null;
  poolSongs: number;
  users: number | null;
  dir: string;
  epochs: number;
  cnn: 'compact' | 'small';
  threads: number | undefined;
  keep: boolean;
  json: boolean;
}

interface SizeResult {
  songs: number;
  users: number;
  plays: number;
  links: Catalogue['links'];
  catalogueS: number;
  run: TrainerRun;
  stages: { name: string; seconds: number }[];
  storeBytes: number;
  bytesPerSong: number;
  /** Mean clip length in the store, s (30 for the default pool). */
  clipSeconds: number;
  freeBeforeBytes: number;
  freeAfterBytes: number;
}

function parseOptions(args: string[]): Options {
  const f = parseFlags(args, ['--songs', '--pool', '--pool-songs', '--users', '--dir', '--epochs', '--cnn', '--threads'], ['--keep', '--json']);
  const str = (k: string) => (typeof f.get(k) === 'string' ? (f.get(k) as string) : null);
  const int = (k: string, d: number | null): number | null => {
    const v = str(k);
    if (v === null) return d;
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${k} must be a positive integer, got ${JSON.stringify(v)}`);
    return Number(v);
  };
  const sizes = (str('--songs') ?? '100000').split(',').map((s) => {
    if (!/^\d+$/.test(s.trim()) || Number(s) < 20) throw new Error(`--songs takes sizes of at least 20 songs, separated by commas; got ${JSON.stringify(s)}`);
    return Number(s);
  }).sort((a, b) => a - b); // smallest first: the first run measures the store's bytes per song
  const cnn = str('--cnn') ?? 'compact';
  if (cnn !== 'compact' && cnn !== 'small') throw new Error(`--cnn must be compact or small, got ${JSON.stringify(cnn)}`);
  if (f.has('--pool') && f.has('--pool-songs')) throw new Error('give --pool or --pool-songs, not both');
  return {
    sizes, pool: str('--pool'), poolSongs: int('--pool-songs', 2000)!, users: int('--users', null), dir: path.resolve(str('--dir') ?? path.join(REPO_ROOT, 'tmp', 'model-scale')),
    epochs: int('--epochs', 2)!, cnn, threads: int('--threads', null) ?? undefined, keep: f.has('--keep'), json: f.has('--json'),
  };
}

function usersFor(o: Options, songs: number): number {
  return o.users ?? Math.round(songs * USERS_PER_SONG);
}

/** Bytes per song of the feature store measured by an earlier run in `dir`, or the 30-s estimate. */
function knownBytesPerSong(dir: string): { bytes: number; measured: boolean } {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'bytes-per-song.json'), 'utf8')) as { bytesPerSong: number };
    if (m.bytesPerSong > 0) return { bytes: m.bytesPerSong, measured: true };
  } catch {
    // not measured yet
  }
  return { bytes: ESTIMATED_BYTES_PER_SONG, measured: false };
}

/** Disk one size needs at its peak: the store once (shards consumed as packed when space is short) and the rest. */
function diskNeed(songs: number, bytesPerSong: number): number {
  return songs * (bytesPerSong + OTHER_BYTES_PER_SONG) * 1.05;
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** The refusal when `need` bytes do not fit in `dir`; null when they do. */
function diskProblem(dir: string, what: string, need: number, bytesPerSong: { bytes: number; measured: boolean }): string | null {
  const free = freeBytes(dir);
  if (free >= need) return null;
  return `${what} needs ~${gb(need)} free in ${dir} (the feature store at ${(bytesPerSong.bytes / 1e3).toFixed(0)} kB a song${bytesPerSong.measured ? ', measured' : ' (estimated for 30-s clips)'}), only ${gb(free)} is free; give --dir on a larger disk, or fewer --songs`;
}

function storeBytes(dir: string): { bytes: number; clips: number; seconds: number } {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'features.json'), 'utf8')) as { clips: number; totalFrames: number; mel: { frameStepS: number } };
  const bytes = fs.readdirSync(dir).reduce((s, name) => s + fs.statSync(path.join(dir, name)).size, 0);
  return { bytes, clips: manifest.clips, seconds: (manifest.totalFrames * manifest.mel.frameStepS) / manifest.clips };
}

async function runSize(o: Options, songs: number, pool: string[], log: (m: string) => void): Promise<SizeResult> {
  const dir = path.join(o.dir, `songs-${songs}`);
  const users = usersFor(o, songs);
  log(`model-scale: ${songs.toLocaleString('en')} songs, ${users.toLocaleString('en')} listeners: building the catalogue in ${dir} ...`);
  const cat = buildCatalogue(dir, songs, users, pool, 1);
  log(`model-scale: catalogue: ${cat.playLines.toLocaleString('en')} plays (${(cat.playsBytes / 1e6).toFixed(1)} MB), ${cat.links} links, ${cat.seconds.toFixed(1)} s`);
  const freeBefore = freeBytes(o.dir);
  const args = [
    'model', '--plays', cat.plays, '--audio', cat.audio, '--songs', cat.songsFile, '--out', path.join(dir, 'bundle'), '--work', path.join(dir, 'work'),
    '--cnn', o.cnn, '--cnn-epochs', String(o.epochs), ...(o.threads ? ['--threads', String(o.threads)] : []), '--json',
  ];
  const run = await runTrainer(path.join(__dirname, '..', 'trainer', 'cli.js'), args, REPO_ROOT, o.dir, (line) => process.stderr.write(`${line}\n`));
  if (run.code !== 0 || !run.summary) throw new Error(`earshot-train model on ${songs} songs ended with ${run.signal ?? `exit ${run.code}`}:\n${run.tail}`);
  const store = storeBytes(path.join(dir, 'work', 'features'));
  const bytesPerSong = store.bytes / store.clips;
  fs.writeFileSync(path.join(o.dir, 'bytes-per-song.json'), JSON.stringify({ bytesPerSong, songs, clipSeconds: store.seconds }) + '\n');
  const freeAfter = freeBytes(o.dir);
  if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
  return {
    songs, users, plays: cat.playLines, links: cat.links, catalogueS: cat.seconds, run, stages: run.summary.stages.map((s) => ({ name: s.name, seconds: s.seconds })),
    storeBytes: store.bytes, bytesPerSong, clipSeconds: store.seconds, freeBeforeBytes: freeBefore, freeAfterBytes: freeAfter,
  };
}

/** y at `x` on the line through the two largest sizes' (songs, y); proportional to songs with one size (or a negative slope: noise). */
function extrapolate(results: SizeResult[], y: (r: SizeResult) => number, x: number, proportional: boolean): { value: number; slopePerSong: number | null } {
  const b = results[results.length - 1];
  const a = results.length > 1 ? results[results.length - 2] : null;
  const slope = a && b.songs !== a.songs ? (y(b) - y(a)) / (b.songs - a.songs) : null;
  if (slope !== null && slope >= 0) return { value: y(b) + slope * (x - b.songs), slopePerSong: slope };
  return { value: proportional ? (y(b) * x) / b.songs : y(b), slopePerSong: null };
}

function stageSeconds(r: SizeResult, name: string): number {
  return r.stages.find((s) => s.name === name)?.seconds ?? 0;
}

function report(o: Options, pool: { dir: string; files: number }, results: SizeResult[]): { text: string; json: Record<string, unknown> } {
  const names = [...new Set(results.flatMap((r) => r.stages.map((s) => s.name)))];
  const hours = (s: number) => `${(s / 3600).toFixed(2)} h`;
  const gib = (b: number) => `${(b / GIB).toFixed(2)} GiB`;
  const rows: string[][] = [
    ['listeners / plays', ...results.map((r) => `${r.users.toLocaleString('en')} / ${r.plays.toLocaleString('en')}`)],
    ['catalogue built (s)', ...results.map((r) => r.catalogueS.toFixed(1))],
    ...names.map((n) => [`${n} (s)`, ...results.map((r) => stageSeconds(r, n).toFixed(1))]),
    ['trainer wall (s)', ...results.map((r) => r.run.wallS.toFixed(1))],
    ['trainer wall (h)', ...results.map((r) => hours(r.run.wallS))],
    ['peak RSS (VmHWM)', ...results.map((r) => gib(r.run.peakHwmBytes))],
    ['peak RSS, process tree', ...results.map((r) => `${gib(r.run.peakTreeRssBytes)} (${r.run.maxDescendants} children)`)],
    ...names.map((n) => [`  peak RSS in ${n === 'features' ? 'features (+ plays parse)' : n}`, ...results.map((r) => gib(Math.max(0, ...r.run.stagePeaks.filter((p) => p.stage === n).map((p) => p.peakRssBytes))))]),
    ['feature store', ...results.map((r) => `${gb(r.storeBytes)} (${(r.bytesPerSong / 1e3).toFixed(0)} kB/song, ${r.clipSeconds.toFixed(1)} s clips)`)],
    ['disk used at peak', ...results.map((r) => gb(r.freeBeforeBytes - r.run.minFreeBytes))],
    ['free disk before / after', ...results.map((r) => `${gb(r.freeBeforeBytes)} / ${gb(r.freeAfterBytes)}`)],
  ];
  const table = formatTable(['songs', ...results.map((r) => r.songs.toLocaleString('en'))], rows);
  const largest = results[results.length - 1].songs;
  const targets = [100_000, TASTE_PROFILE.items].filter((t) => t > largest);
  const projections = targets.map((t) => {
    const stages = Object.fromEntries(names.map((n) => [n, extrapolate(results, (r) => stageSeconds(r, n), t, true).value]));
    const wall = extrapolate(results, (r) => r.run.wallS, t, true).value;
    const cnnPerEpoch = (stages.cnn ?? 0) / o.epochs;
    const rss = extrapolate(results, (r) => r.run.peakHwmBytes, t, false);
    const store = extrapolate(results, (r) => r.storeBytes, t, true).value;
    return { songs: t, wallS: wall, wallPaperEpochsS: wall + cnnPerEpoch * (PAPER_EPOCHS - o.epochs), stages, peakRssBytes: rss.value, rssSlopeBytesPerSong: rss.slopePerSong, storeBytes: store, diskPeakBytes: store };
  });
  const lines = [
    `bench model-scale — ${hardwareLine()}`,
    `earshot-train model --cnn ${o.cnn} --cnn-epochs ${o.epochs}${o.threads ? ` --threads ${o.threads}` : ''}; audio: ${results[0].links} links into ${pool.files.toLocaleString('en')} distinct recordings (${pool.dir}):`,
    `the audio repeats every ${pool.files.toLocaleString('en')} songs, so feature and CNN costs are real but the learned model is not meaningful`,
    '',
    table,
    '',
    ...projections.map((p) =>
      [
        `extrapolated to ${p.songs.toLocaleString('en')} songs${p.songs === TASTE_PROFILE.items ? ' (the Taste Profile)' : ''}: ${hours(p.wallS)} (${names.map((n) => `${n} ${hours(p.stages[n])}`).join(', ')});`,
        `  ${hours(p.wallPaperEpochsS)} if the CNN ran all ${PAPER_EPOCHS} epochs; peak RSS ${gib(p.peakRssBytes)} (${p.rssSlopeBytesPerSong === null ? (results.length > 1 ? 'the largest measurement: it did not grow between the two largest sizes' : 'the largest measurement: give two --songs sizes for a slope') : `${(p.rssSlopeBytesPerSong / 1024).toFixed(2)} KiB per song`});`,
        `  feature store ${gb(p.storeBytes)}, ${gb(p.diskPeakBytes)} of disk at its peak (shards deleted as packed when space is short)`,
      ].join('\n'),
    ),
  ];
  const json = {
    hardware: hardwareLine(), cnn: o.cnn, epochs: o.epochs, threads: o.threads ?? null, pool: { dir: pool.dir, files: pool.files }, links: results[0].links,
    sizes: results.map((r) => ({
      songs: r.songs, users: r.users, plays: r.plays, catalogueSeconds: r.catalogueS, stages: r.stages, trainerWallSeconds: r.run.wallS, peakRssBytes: r.run.peakHwmBytes,
      peakTreeRssBytes: r.run.peakTreeRssBytes, children: r.run.maxDescendants, stagePeaks: r.run.stagePeaks, storeBytes: r.storeBytes, bytesPerSong: r.bytesPerSong, clipSeconds: r.clipSeconds,
      diskPeakBytes: r.freeBeforeBytes - r.run.minFreeBytes, freeBeforeBytes: r.freeBeforeBytes, freeAfterBytes: r.freeAfterBytes,
    })),
    extrapolated: projections,
  };
  return { text: lines.join('\n') + '\n', json };
}

export async function main(args: string[]): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(args);
  } catch (err) {
    process.stderr.write(`bench model-scale: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const log = (m: string) => process.stderr.write(`${m}\n`);
  fs.mkdirSync(o.dir, { recursive: true });
  const perSong = knownBytesPerSong(o.dir);
  const need = o.keep ? o.sizes.reduce((s, n) => s + diskNeed(n, perSong.bytes), 0) : Math.max(...o.sizes.map((n) => diskNeed(n, perSong.bytes)));
  const renderPool = o.pool === null && !fs.existsSync(path.join(o.dir, `pool-${o.poolSongs}`, 'world.json'));
  const problem = diskProblem(o.dir, `--songs ${o.sizes.join(',')}${o.keep ? ' with --keep' : ''}${renderPool ? ' and the pool' : ''}`, need + (renderPool ? o.poolSongs * POOL_WAV_BYTES : 0), perSong);
  if (problem) {
    process.stderr.write(`bench model-scale: ${problem}\n`);
    return 1;
  }
  const poolDir = o.pool ?? ensurePool(o.dir, o.poolSongs, o.threads, log);
  const pool = poolFiles(poolDir);
  const results: SizeResult[] = [];
  for (const songs of o.sizes) {
    const again = diskProblem(o.dir, `${songs.toLocaleString('en')} songs`, diskNeed(songs, knownBytesPerSong(o.dir).bytes), knownBytesPerSong(o.dir));
    if (again) {
      process.stderr.write(`bench model-scale: ${again}\n`);
      return 1;
    }
    results.push(await runSize(o, songs, pool, log));
  }
  const r = report(o, { dir: poolDir, files: pool.length }, results);
  process.stdout.write(r.text);
  if (o.json) process.stdout.write(`${JSON.stringify(r.json)}\n`);
  return 0;
}
