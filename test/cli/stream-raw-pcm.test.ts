// `earshot stream -` with raw PCM on stdin (--encoding/--sample-rate/--channels), against the real engine
// (models/default) on a real recording (48 kHz stereo Vorbis). The reference is the same CLI streaming the
// file itself: ffmpeg's f32le at the clip's own rate and channels is the very samples the file path decodes
// (ffmpeg → pcm_f32le), so its factors must be equal; s16le differs by 16-bit quantisation only; the README's
// pipe (`-ar 44100 -ac 2`: earshot downmixes and resamples itself) equals the same samples written as a WAV,
// equals the file of a 44.1-kHz stereo clip and is within ffmpeg's 48 → 44.1 kHz resampling of the 48-kHz
// one. `earshot analyze --hop 1` of the file ends with the factors the stream ends with.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostsOrSkip } from '../helpers/hosts';
import { distPath, repoRoot, sharedOrSkip } from '../helpers/shared';

const CLI = distPath('src', 'cli', 'earshot.js');
const CLIP = 'data/audio/singularity-awakening.ogg'; // 30 s, 48 kHz, 2 channels
const CLIP_44K = 'data/audio/ufoai-battlescape01.flac'; // 30 s, 44.1 kHz, 2 channels
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-raw-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `earshot <args>` with `stdin` written in pieces of `pieceBytes` (odd sizes split sample frames). */
function earshot(args: string[], stdin?: Buffer, pieceBytes = 1 << 20): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {}); // a refused input closes stdin early
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    void (async () => {
      for (let off = 0; stdin && off < stdin.length; off += pieceBytes) {
        if (!child.stdin.write(stdin.subarray(off, off + pieceBytes))) await new Promise((r) => child.stdin.once('drain', r));
      }
      child.stdin.end();
    })();
  });
}

/** The clip decoded by ffmpeg to raw PCM (`-f fmt`), with extra output options. */
function ffmpegRaw(clip: string, fmt: 'f32le' | 's16le', extra: string[] = []): Buffer {
  return execFileSync('ffmpeg', ['-v', 'quiet', '-nostdin', '-i', clip, ...extra, '-f', fmt, '-'], { maxBuffer: 1 << 30 });
}

interface Final {
  windows: number;
  t_end: number;
  factors: number[];
  suggestions: { id: string }[];
}

function finalEvent(r: Run): Final {
  const events = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { type: string });
  const finals = events.filter((e) => e.type === 'final');
  assert.equal(finals.length, 1, `one final event in ${r.stdout.slice(0, 300)}; stderr ${r.stderr}`);
  return finals[0] as unknown as Final;
}

function maxDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

const ids = (f: Final, n: number): string[] => f.suggestions.slice(0, n).map((s) => s.id);

async function realEngine(t: TestContext): Promise<string> {
  const { startServer } = await import(distPath('src', 'server', 'server.js')) as typeof import('../../src/server/server');
  const server = await startServer({ bundleDir: path.join(repoRoot(), 'models', 'default'), host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  return server.url.replace(/^http/, 'ws');
}

test('earshot stream - with raw f32le/s16le from ffmpeg: the factors of streaming the file itself; analyze --hop 1 agrees', async (t) => {
  const clip = sharedOrSkip(t, CLIP);
  if (!clip || !hostsOrSkip(t, 'ffmpeg')) return;
  const ws = await realEngine(t);
  const common = ['--server', ws, '--fast', '--jsonl', '--factors', '--hop', '1'];

  const fileRun = await earshot(['stream', clip, ...common]);
  assert.equal(fileRun.code, 0, fileRun.stderr);
  const file = finalEvent(fileRun);
  assert.ok(file.windows >= 27, `${file.windows} windows from 30 s at hop 1 s`);

  // The file path's own samples (ffmpeg → f32, 48 kHz stereo) as raw bytes, in pieces that split frames.
  const f32 = ffmpegRaw(clip, 'f32le');
  const f32Run = await earshot(['stream', '-', ...common, '--encoding', 'f32le', '--sample-rate', '48000', '--channels', '2'], f32, 65_537);
  assert.equal(f32Run.code, 0, f32Run.stderr);
  const viaF32 = finalEvent(f32Run);
  assert.equal(viaF32.windows, file.windows);
  assert.equal(viaF32.t_end, file.t_end);
  assert.ok(maxDiff(viaF32.factors, file.factors) <= 1e-7, `f32le max |Δ| ${maxDiff(viaF32.factors, file.factors)} (measured 0)`);
  assert.deepEqual(ids(viaF32, 10), ids(file, 10));

  const s16 = ffmpegRaw(clip, 's16le');
  const s16Run = await earshot(['stream', '-', ...common, '--encoding', 's16le', '--sample-rate', '48000', '--channels', '2'], s16, 30_001);
  assert.equal(s16Run.code, 0, s16Run.stderr);
  const viaS16 = finalEvent(s16Run);
  assert.equal(viaS16.windows, file.windows);
  // 16-bit quantisation (−96 dBFS) only: measured max |Δ| 1.5e-4 on factors of norm 0.026, cosine 0.99984.
  assert.ok(cosine(viaS16.factors, file.factors) >= 0.999, `s16le cosine ${cosine(viaS16.factors, file.factors)}`);
  assert.deepEqual(ids(viaS16, 5), ids(file, 5));

  const analyzed = await earshot(['analyze', clip, '--hop', '1', '--json']);
  assert.equal(analyzed.code, 0, analyzed.stderr);
  const offline = JSON.parse(analyzed.stdout) as { windows: number; factors: number[] };
  assert.equal(offline.windows, file.windows);
  assert.ok(maxDiff(offline.factors, file.factors) < 1e-5, `analyze --hop 1 vs stream: max |Δ| ${maxDiff(offline.factors, file.factors)} (measured 0)`);
});

/** The README's raw-PCM line as a user types it, in a real shell (pipefail: ffmpeg failing fails the line). */
async function readmePipe(clip: string, common: string[]): Promise<Final> {
  const pipe = `set -o pipefail; ffmpeg -v quiet -nostdin -i '${clip}' -f f32le -ar 44100 -ac 2 - | '${process.execPath}' '${CLI}' stream - ${common.join(' ')} --encoding f32le --sample-rate 44100 --channels 2`;
  const piped = await new Promise<Run>((resolve) => {
    const child = spawn('bash', ['-c', pipe], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(piped.code, 0, piped.stderr);
  return finalEvent(piped);
}

/** The final event of `earshot stream <input>`, which must succeed. */
async function streamed(input: string, common: string[]): Promise<Final> {
  const r = await earshot(['stream', input, ...common]);
  assert.equal(r.code, 0, r.stderr);
  return finalEvent(r);
}

test('the README pipe `ffmpeg -f f32le -ar 44100 -ac 2 - | earshot stream -` equals those samples in a WAV, the file of a 44.1-kHz clip, and is within resampling of a 48-kHz one', async (t) => {
  const clip = sharedOrSkip(t, CLIP);
  const clip44 = sharedOrSkip(t, CLIP_44K);
  if (!clip || !clip44 || !hostsOrSkip(t, 'ffmpeg')) return;
  const ws = await realEngine(t);
  const common = ['--server', ws, '--fast', '--jsonl', '--factors', '--hop', '1'];
  const wav = path.join(tmp, 'awakening-44100-stereo.wav');
  execFileSync('ffmpeg', ['-v', 'quiet', '-nostdin', '-y', '-i', clip, '-ar', '44100', '-ac', '2', '-c:a', 'pcm_f32le', wav]);

  const viaPipe = await readmePipe(clip, common);
  const viaWav = await streamed(wav, common);
  assert.equal(viaPipe.windows, viaWav.windows);
  assert.ok(maxDiff(viaPipe.factors, viaWav.factors) <= 1e-7, `pipe vs WAV of the same samples: max |Δ| ${maxDiff(viaPipe.factors, viaWav.factors)}`);

  const file = await streamed(clip, common);
  assert.equal(viaPipe.windows, file.windows);
  // 48 kHz: the only difference is ffmpeg's 48 → 44.1 kHz resampler before earshot's own (the channel mean
  // and the 22,050-Hz resampling are earshot's in both). Measured on the 4 shared 48-kHz clips: cosine
  // 0.999991–0.999994, max |Δ| ≤ 3.3e-5, the same top 5; the former `-ar 22050 -ac 1` pipe measured 0.898 here.
  assert.ok(cosine(viaPipe.factors, file.factors) >= 0.9999, `pipe vs file cosine ${cosine(viaPipe.factors, file.factors)} (measured 0.999993)`);
  assert.deepEqual(ids(viaPipe, 5), ids(file, 5));

  // 44.1 kHz stereo (the usual MP3/CD): ffmpeg passes the samples through untouched, so the pipe is the file.
  const viaPipe44 = await readmePipe(clip44, common);
  const file44 = await streamed(clip44, common);
  assert.equal(viaPipe44.windows, file44.windows);
  assert.ok(maxDiff(viaPipe44.factors, file44.factors) <= 1e-7, `44.1-kHz pipe vs file: max |Δ| ${maxDiff(viaPipe44.factors, file44.factors)} (measured 0)`);
  assert.deepEqual(ids(viaPipe44, 10), ids(file44, 10));
});

test('raw PCM that ends inside a sample frame: every whole frame is analysed, the final event printed, then exit 1 naming the leftover bytes', async (t) => {
  const clip = sharedOrSkip(t, CLIP);
  if (!clip || !hostsOrSkip(t, 'ffmpeg')) return;
  const ws = await realEngine(t);
  const common = ['--server', ws, '--fast', '--jsonl', '--factors', '--hop', '1'];
  const s16 = ffmpegRaw(clip, 's16le', ['-t', '8']);
  const args = ['stream', '-', ...common, '--encoding', 's16le', '--sample-rate', '48000', '--channels', '2'];
  const whole = await earshot(args, s16);
  assert.equal(whole.code, 0, whole.stderr);
  const cut = await earshot(args, Buffer.concat([s16, Buffer.from([0x12, 0x34, 0x56])]), 4099);
  assert.equal(cut.code, 1);
  assert.equal(
    cut.stderr.trim().split('\n').at(-1),
    `earshot stream: stdin ended 3 byte(s) into a sample frame (${s16.length + 3} bytes in all, not a multiple of 4: 2 channel(s) × 2-byte s16le); ` +
      'every whole frame before them was analysed; the input was cut mid-sample, or --encoding/--channels do not match it [ERR_AUDIO_TRUNCATED]',
  );
  const a = finalEvent(whole);
  const b = finalEvent(cut);
  assert.equal(b.windows, a.windows);
  // Equal to float32 rounding: with --fast the engine batches a stream's windows as they come, and ONNX
  // Runtime's result for one window can differ by an ulp between batch sizes (seen: 1.2e-10 here).
  assert.ok(maxDiff(b.factors, a.factors) <= 1e-7, `nothing before the stray bytes is lost: max |Δ| ${maxDiff(b.factors, a.factors)}`);
});

test('earshot stream raw-PCM options: each bad value is a usage error naming the option (exit 2); bad bytes name the problem (exit 1)', async () => {
  const usage: Array<[string[], string]> = [
    [['--encoding', 'f32'], "--encoding must be f32le or s16le, got 'f32'"],
    [['--encoding', 'f32le'], '--encoding f32le needs --sample-rate <Hz>: raw PCM has no header to tell the rate'],
    [['--sample-rate', '22050'], '--sample-rate describes raw PCM input: give --encoding f32le or s16le with it'],
    [['--channels', '2'], '--channels describes raw PCM input: give --encoding f32le or s16le with it'],
    [['--encoding', 's16le', '--sample-rate', '4000'], "--sample-rate must be an integer in 8000..192000, got '4000'"],
    [['--encoding', 's16le', '--sample-rate', '44100.5'], "--sample-rate must be an integer in 8000..192000, got '44100.5'"],
    [['--encoding', 's16le', '--sample-rate', '44100', '--channels', '9'], "--channels must be an integer in 1..8, got '9'"],
  ];
  for (const [opts, message] of usage) {
    const r = await earshot(['stream', '-', '--server', 'ws://127.0.0.1:9', ...opts]);
    assert.equal(r.code, 2, `${opts.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(`earshot stream: ${message}`), r.stderr);
    assert.match(r.stderr, /\[ERR_INVALID_ARGUMENT\]\n$/);
  }
  // Nothing is sent anywhere (port 9 is never an engine): the input fails first.
  const noServer = ['--server', 'ws://127.0.0.1:9'];
  const empty = await earshot(['stream', '-', ...noServer, '--encoding', 'f32le', '--sample-rate', '22050'], Buffer.alloc(0));
  assert.equal(empty.code, 1);
  assert.equal(empty.stderr, 'earshot stream: stdin is empty (0 bytes of raw PCM) [ERR_AUDIO_EMPTY]\n');
  // s16le bytes read as f32le: 0x7fff7fff is a float of 3.4e38 — not audio.
  const notF32 = await earshot(['stream', '-', ...noServer, '--encoding', 'f32le', '--sample-rate', '22050'], Buffer.alloc(4096, 0x7f));
  assert.equal(notF32.code, 1);
  assert.match(notF32.stderr, /^earshot stream: stdin is not f32le audio: a sample in bytes 0\.\.4096 is NaN, infinite or beyond ±16 .*check --encoding \(s16le\?\) and --channels \[ERR_AUDIO_SAMPLE\]\n$/);
  // Raw PCM without the options: the sniffer cannot place it, and the message says which options describe it.
  const unnamed = await earshot(['stream', '-', ...noServer], Buffer.alloc(65_536, 0x7f));
  assert.equal(unnamed.code, 1);
  assert.match(unnamed.stderr, /; if stdin is raw PCM \(ffmpeg -f f32le or -f s16le\), describe it: --encoding f32le\|s16le --sample-rate <Hz> \[--channels <n>\] \[ERR_(DECODER_FAILED|TOOL_MISSING)\]\n$/);
  const missing = await earshot(['stream', path.join(tmp, 'missing.raw'), ...noServer, '--encoding', 's16le', '--sample-rate', '8000']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `earshot stream: cannot open ${path.join(tmp, 'missing.raw')}: ENOENT [ERR_IO]\n`);
});
