/**
 * Decode any format ffmpeg knows (MP3, Ogg Vorbis, Opus, FLAC, M4A...) by running it as a child
 * process that writes float32 WAV to a pipe, parsed here with WavStreamDecoder as it arrives.
 * Native rate and channel count are kept: resampling and downmixing belong to later stages.
 *
 * The child never outlives the generator: it is killed when the consumer stops early, when the
 * output fails to parse, and when the input stream errors.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../errors';
import { WavStreamDecoder } from './wav';

/** Characters of ffmpeg's stderr kept for error messages (its last lines name the problem). */
const STDERR_TAIL_CHARS = 2000;

export interface FfmpegOptions {
  /** ffmpeg executable; default: $EARSHOT_FFMPEG, else `ffmpeg` found on $PATH. */
  ffmpegPath?: string;
}

export interface SourceFormat {
  sampleRateHz: number;
  channels: number;
  /** Frames the container declares, when it does (a WAV's data chunk); ffmpeg's pipe output never does. */
  declaredFrames?: number;
  /** The container bytes those frames take. */
  declaredBytes?: number;
}

export interface DecodedChunk {
  format: SourceFormat;
  /** Whole frames, float32 in [-1, 1]: interleaved, or one sample per frame (their mean) when `downmixed`. */
  interleaved: Float32Array;
  /** Decoded with `downmix`: `interleaved` holds the frames' mean, as downmixToMono would give it. */
  downmixed?: true;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Locate ffmpeg: $EARSHOT_FFMPEG if set (and executable), else the first `ffmpeg` on $PATH. */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env): string | null {
  const override = env.EARSHOT_FFMPEG;
  if (override) return isExecutableFile(override) ? override : null;
  const names = process.platform === 'win32' ? ['ffmpeg.exe', 'ffmpeg'] : ['ffmpeg'];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}

function toolMissing(detail: string, cause?: unknown): EarshotError {
  return new EarshotError(
    'ERR_TOOL_MISSING',
    `ffmpeg is needed to decode non-WAV audio (MP3/Ogg/Opus/FLAC/M4A) but ${detail}. ` +
      'Install it (Debian/Ubuntu: `apt-get install ffmpeg`, macOS: `brew install ffmpeg`) ' +
      'or set EARSHOT_FFMPEG=/path/to/ffmpeg.',
    { cause },
  );
}

function resolveFfmpeg(opts: FfmpegOptions): string {
  if (opts.ffmpegPath) return opts.ffmpegPath;
  const found = findFfmpeg();
  if (found) return found;
  const override = process.env.EARSHOT_FFMPEG;
  throw toolMissing(
    override ? `EARSHOT_FFMPEG=${override} is not an executable file` : 'no `ffmpeg` executable is on PATH',
  );
}

/**
 * Stream-decode `input` (a file path, or a readable stream of encoded bytes) through ffmpeg.
 * Yields chunks of whole interleaved frames at the source rate; throws EarshotError
 * ERR_TOOL_MISSING, ERR_DECODER_FAILED (with ffmpeg's stderr), ERR_IO (input stream error),
 * or the WAV decoder's codes (ERR_AUDIO_EMPTY when the input decodes to zero frames).
 */
export async function* ffmpegDecodeStream(
  input: string | NodeJS.ReadableStream,
  opts: FfmpegOptions = {},
  /** Yield each frame's mean over its channels (decoded and downmixed in one pass) instead of interleaved frames. */
  downmix = false,
): AsyncGenerator<DecodedChunk, void, undefined> {
  const bin = resolveFfmpeg(opts);
  const fromPath = typeof input === 'string';
  const label = fromPath ? input : '<stream>';
  // `file:` stops a path such as "pipe:0" or "http://..." from being read as a protocol.
  const src = fromPath ? `file:${input}` : 'pipe:0';
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', src, '-vn', '-f', 'wav', '-c:a', 'pcm_f32le', 'pipe:1'];
  const child = spawn(bin, args, { stdio: [fromPath ? 'ignore' : 'pipe', 'pipe', 'pipe'], windowsHide: true });

  // Written by child/stream callbacks, read after stdout ends.
  const run = { spawnError: null as Error | null, inputError: null as unknown, stderrTail: '' };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => {
      run.spawnError = err;
      resolve({ code: null, signal: null });
    });
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    run.stderrTail = (run.stderrTail + d).slice(-STDERR_TAIL_CHARS);
  });

  const inStream = fromPath ? null : (input as NodeJS.ReadableStream);
  const onInputError = (err: unknown): void => {
    run.inputError = err;
    child.kill('SIGKILL');
  };
  if (inStream) {
    // EPIPE here just means ffmpeg stopped reading (it failed or finished); its exit status and
    // stderr carry the real story, so the stdin error itself is dropped.
    child.stdin!.on('error', () => {});
    inStream.on('error', onInputError);
    inStream.pipe(child.stdin!);
  }

  const dec = new WavStreamDecoder({ downmix });
  try {
    // A failed spawn just ends stdout empty; the 'error' event is then reported below.
    for await (const chunk of child.stdout!) {
      const interleaved = dec.push(chunk as Buffer);
      if (interleaved.length === 0) continue;
      const f = dec.format!;
      yield { format: { sampleRateHz: f.sampleRateHz, channels: f.channels }, interleaved, ...(downmix && { downmixed: true as const }) };
    }
    const { code, signal } = await exited;
    if (run.spawnError) throw mapSpawnError(run.spawnError, bin);
    if (run.inputError) {
      throw new EarshotError('ERR_IO', `reading the audio input stream failed: ${String(run.inputError)}`, {
        cause: run.inputError,
      });
    }
    if (code !== 0) {
      const status = code !== null ? `exit code ${code}` : `signal ${signal}`;
      throw new EarshotError(
        'ERR_DECODER_FAILED',
        `ffmpeg failed (${status}) decoding ${label}: ${run.stderrTail.trim() || '(no stderr output)'}`,
      );
    }
    try {
      dec.end();
    } catch (err) {
      if (!(err instanceof EarshotError)) throw err;
      throw new EarshotError(err.code, `ffmpeg output for ${label}: ${err.message}`, { cause: err });
    }
  } finally {
    if (inStream) {
      inStream.unpipe(child.stdin!);
      inStream.removeListener('error', onInputError);
    }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function mapSpawnError(err: Error, bin: string): EarshotError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
    return toolMissing(`it could not be started from "${bin}" (${code})`, err);
  }
  return new EarshotError('ERR_DECODER_FAILED', `could not start ffmpeg "${bin}": ${err.message}`, { cause: err });
}
