/**
 * `npm run bench -- ingest`: a DJ's library into a running engine, as a user does it — `earshot serve
 * --bundle models/default --catalog <fresh dir>` on 127.0.0.1 (port 0) and the real `earshot catalog add`
 * CLI — in tracks per second, for 30-s WAV, MP3 and Ogg Vorbis files; for MP3/Ogg also ffmpeg's own
 * decode-only throughput of the same files at the same parallelism (the engine's idle analysis workers),
 * measured in the same run, and the ratio. The input is made from ../shared/data/audio in a temp dir:
 * the 13 clips decoded once (44.1 kHz stereo s16) and cut into N distinct 30-s WAV files (clip n mod 13,
 * rotated by 1.7 s per round and scaled by a per-file gain, so ids and audio differ), then MP3 (192k)
 * and Ogg (q4) copies of the first M by ffmpeg. `--jobs 1` (one upload after another, the old path's
 * shape) runs on the WAV files too unless --skip-sequential. ffmpeg runs at the analysis workers'
 * niceness (10), as the engine's own ffmpeg does, and alternates with the ingest --rounds times (medians).
 * Besides the rates, CPU seconds per file (the engine's threads and ffmpeg children plus the CLI, against
 * the ffmpeg runs'): a measure that other jobs on a shared machine disturb far less than the wall clock.
 * Flags: --n N (WAV files, default 300) --coded M (MP3 and Ogg files each, default 60) --jobs J
 * (default the CLI's) --rounds R (default 3) --clips DIR --keep --skip-sequential --json --cpu-prof DIR
 * (the engine, its worker threads and the CLI write V8 .cpuprofile files there, one per thread:
 * summarise with dist/bench/cpuprofile-split.js; node refuses --cpu-prof in NODE_OPTIONS).
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ANALYSIS_POOL_DEFAULTS } from '../src/engine/analysis-pool';
import { DEFAULT_ADD_JOBS } from '../src/cli/catalog-add';
import { readProc, spawnNode, stopChild } from './engine-proc';
import { formatTable, hardwareLine, parseFlags } from './harness';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'earshot.js');
const RATE = 44100;
const SECONDS = 30;

/** A canonical 44-byte WAV header for s16 stereo at RATE. */
function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(2, 22);
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** The clips as 30 s of s16 stereo (shorter ones looped), decoded once by ffmpeg. */
async function decodeClips(dir: string): Promise<Int16Array[]> {
  const files = fs.readdirSync(dir).filter((f) => !f.endsWith('.md')).sort();
  const out: Int16Array[] = [];
  for (const f of files) {
    const { stdout } = await run('ffmpeg', ['-v', 'error', '-stream_loop', '1', '-i', path.join(dir, f), '-t', String(SECONDS), '-ac', '2', '-ar', String(RATE), '-f', 's16le', '-'], { encoding: 'buffer', maxBuffer: 64 << 20 });
    const pcm = new Int16Array(RATE * SECONDS * 2);
    pcm.set(new Int16Array(stdout.buffer, stdout.byteOffset, Math.min(pcm.length, stdout.byteLength >> 1)));
    out.push(pcm);
  }
  return out;
}

/** File n: clip n mod 13 rotated by 1.7 s per round and scaled by 0.5..1 (distinct audio, distinct id). */
function writeWavs(clips: Int16Array[], n: number, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const frames = RATE * SECONDS;
  const buf = Buffer.alloc(44 + frames * 4);
  for (let i = 0; i < n; i++) {
    const src = clips[i % clips.length];
    const shift = (Math.floor(i / clips.length) * Math.round(1.7 * RATE)) % frames;
    const gain = 0.5 + 0.5 * (((i * 7919) % 101) / 100);
    wavHeader(frames * 4).copy(buf, 0);
    for (let f = 0; f < frames; f++) {
      const s = ((f + shift) % frames) * 2;
      buf.writeInt16LE(Math.round(src[s] * gain), 44 + f * 4);
      buf.writeInt16LE(Math.round(src[s + 1] * gain), 46 + f * 4);
    }
    const file = path.join(dir, `track-${String(i).padStart(4, '0')}.wav`);
    fs.writeFileSync(file, buf);
    files.push(file);
  }
  return files;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs `make(i)` for i < n with at most `parallel` at once. */
async function pool(n: number, parallel: number, make: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, async () => {
    while (next < n) await make(next++);
  }));
}

async function encode(wavs: string[], dir: string, ext: 'mp3' | 'ogg', parallel: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const codec = ext === 'mp3' ? ['-c:a', 'libmp3lame', '-b:a', '192k'] : ['-c:a', 'libvorbis', '-q:a', '4'];
  const out = wavs.map((w) => path.join(dir, path.basename(w, '.wav') + '.' + ext));
  await pool(wavs.length, parallel, (i) => run('ffmpeg', ['-v', 'error', '-y', '-i', wavs[i], ...codec, out[i]]));
  return out;
}

/** CPU seconds of this process's children that have exited (ffmpeg runs, the CLI). */
function childrenCpuS(): number {
  return readProc(process.pid)?.childrenCpuS ?? NaN;
}

/**
 * ffmpeg decoding every file to nothing (`-f null`), `parallel` at once, at the niceness the engine's
 * analysis workers (and the ffmpeg they start) run at: files per second, and CPU seconds per file.
 */
async function ffmpegDecodeRate(files: string[], parallel: number): Promise<{ perS: number; cpuMs: number }> {
  const t0 = performance.now();
  const c0 = childrenCpuS();
  const nice = String(ANALYSIS_POOL_DEFAULTS.nice);
  await pool(files.length, parallel, (i) => run('nice', ['-n', nice, 'ffmpeg', '-v', 'error', '-nostdin', '-i', files[i], '-f', 'null', '-']));
  return { perS: files.length / ((performance.now() - t0) / 1000), cpuMs: ((childrenCpuS() - c0) * 1000) / files.length };
}

/** A fresh catalogue, an engine serving it, `earshot catalog add dir --jobs J`: tracks per second. */
async function ingestRate(work: string, name: string, dir: string, jobs: number, nodeArgs: string[] = []): Promise<{ tracksPerS: number; added: number; failed: number; s: number; cpuMs: number }> {
  const catalog = path.join(work, `catalog-${name}`);
  await run(process.execPath, [CLI, 'catalog', 'init', catalog, '--bundle', path.join(ROOT, 'models', 'default')]);
  let url = '';
  let server: ReturnType<typeof spawnNode> | undefined;
  const listening = new Promise<void>((resolve) => {
    const child = spawnNode(CLI, ['serve', '--bundle', path.join(ROOT, 'models', 'default'), '--catalog', catalog, '--host', '127.0.0.1', '--port', '0', '--json'], process.env, (m) => {
      if (m.type === 'listening') {
        url = String(m.url);
        resolve();
      }
    }, nodeArgs);
    server = child;
  });
  await listening;
  try {
    const t0 = performance.now();
    const s0 = readProc(server!.pid);
    const c0 = childrenCpuS();
    const r = await run(process.execPath, [...nodeArgs, CLI, 'catalog', 'add', dir, '--server', url, '--json', '--no-progress', '--jobs', String(jobs)], { maxBuffer: 256 << 20 }).catch((e: { stdout: string }) => e);
    const s = (performance.now() - t0) / 1000;
    const s1 = readProc(server!.pid);
    // The engine's threads and the ffmpeg decoders it ran, plus the CLI (this process's child, exited).
    const cpuS = s0 && s1 ? s1.cpuS + s1.childrenCpuS - s0.cpuS - s0.childrenCpuS + childrenCpuS() - c0 : NaN;
    const summary = JSON.parse(String(r.stdout).trim().split('\n').at(-1)!) as { added: number; failed: number; files: number };
    return { tracksPerS: summary.files / s, added: summary.added, failed: summary.failed, s, cpuMs: (cpuS * 1000) / summary.files };
  } finally {
    await stopChild(server!, 10_000);
  }
}

export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, ['--n', '--coded', '--jobs', '--rounds', '--clips', '--cpu-prof'], ['--keep', '--skip-sequential', '--json']);
  const n = Number(flags.get('--n') ?? 300);
  const coded = Number(flags.get('--coded') ?? 60);
  const jobs = Number(flags.get('--jobs') ?? DEFAULT_ADD_JOBS);
  const rounds = Number(flags.get('--rounds') ?? 3);
  const clipsDir = String(flags.get('--clips') ?? path.join(ROOT, '..', 'shared', 'data', 'audio'));
  const profDir = flags.get('--cpu-prof');
  const nodeArgs = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(String(profDir))}`];
  const parallel = ANALYSIS_POOL_DEFAULTS.idleWorkers; // the engine analyses this many at once while no stream is live
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bench-ingest-'));
  try {
    const clips = await decodeClips(clipsDir);
    const wavs = writeWavs(clips, n, path.join(work, 'wav'));
    const mp3 = await encode(wavs.slice(0, coded), path.join(work, 'mp3'), 'mp3', os.cpus().length);
    const ogg = await encode(wavs.slice(0, coded), path.join(work, 'ogg'), 'ogg', os.cpus().length);
    const rows: Record<string, unknown>[] = [];
    const wav = await ingestRate(work, 'wav', path.join(work, 'wav'), jobs, nodeArgs);
    rows.push({ input: `WAV ×${n}`, jobs, ...wav });
    if (!flags.has('--skip-sequential')) rows.push({ input: `WAV ×${n}`, jobs: 1, ...(await ingestRate(work, 'wav-seq', path.join(work, 'wav'), 1, nodeArgs)) });
    for (const [label, files, dir] of [['MP3 192k', mp3, 'mp3'], ['Ogg q4', ogg, 'ogg']] as const) {
      // Alternated, `rounds` times, medians compared: on a shared machine the load changes between runs.
      const ffmpeg: { perS: number; cpuMs: number }[] = [];
      const ingest: Awaited<ReturnType<typeof ingestRate>>[] = [];
      for (let round = 0; round < rounds; round++) {
        ffmpeg.push(await ffmpegDecodeRate(files, parallel));
        ingest.push(await ingestRate(work, `${dir}-${round}`, path.join(work, dir), jobs, nodeArgs));
      }
      const r = [...ingest].sort((a, b) => a.tracksPerS - b.tracksPerS)[rounds >> 1];
      const f = median(ffmpeg.map((x) => x.perS));
      const cpu = { ingestMs: median(ingest.map((x) => x.cpuMs)), ffmpegMs: median(ffmpeg.map((x) => x.cpuMs)) };
      rows.push({ input: `${label} ×${files.length}`, jobs, ...r, cpuMs: cpu.ingestMs, ffmpegPerS: f, ratio: r.tracksPerS / f, ffmpegCpuMs: cpu.ffmpegMs, cpuRatio: cpu.ffmpegMs / cpu.ingestMs, rounds: { ingest, ffmpeg } });
    }
    if (flags.has('--json')) {
      process.stdout.write(JSON.stringify({ bench: 'ingest', hardware: hardwareLine(), analysisWorkers: parallel, rows }) + '\n');
    } else {
      process.stdout.write(`${hardwareLine()}; engine analysis workers while idle: ${parallel}\n`);
      process.stdout.write(
        formatTable(
          ['input', 'jobs', 'tracks/s', 'seconds', 'added', 'failed', 'CPU ms/file', `ffmpeg decode-only files/s (${parallel} at once, nice ${ANALYSIS_POOL_DEFAULTS.nice})`, 'ffmpeg CPU ms/file', 'ingest / ffmpeg (rate)', '(CPU)'],
          rows.map((r) => [
            String(r.input), String(r.jobs), (r.tracksPerS as number).toFixed(1), (r.s as number).toFixed(1), String(r.added), String(r.failed), (r.cpuMs as number).toFixed(0),
            r.ffmpegPerS ? (r.ffmpegPerS as number).toFixed(1) : '-', r.ffmpegCpuMs ? (r.ffmpegCpuMs as number).toFixed(0) : '-',
            r.ratio ? `${((r.ratio as number) * 100).toFixed(0)} %` : '-', r.cpuRatio ? `${((r.cpuRatio as number) * 100).toFixed(0)} %` : '-',
          ]),
        ) + '\n',
      );
    }
    return rows.some((r) => (r.failed as number) > 0) ? 1 : 0;
  } finally {
    if (flags.has('--keep')) process.stderr.write(`kept ${work}\n`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}
