/**
 * Audio for the stream command (Node only): a file path, an http(s) URL (Icecast/Shoutcast mounts,
 * podcasts) or `-` (stdin), decoded by the project's decoder to mono float32 at the analysis rate. The
 * first chunk is decoded before openInput returns, so an unreadable input fails before anything
 * connects to the server.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { streamAudio } from '../audio/load';
import { EarshotError } from '../errors';

export function isHttpUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

async function fetchStream(url: string, signal: AbortSignal | undefined): Promise<Readable> {
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { 'user-agent': 'earshot-stream/1' } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new EarshotError('ERR_IO', `cannot fetch ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
  }
  if (!res.ok || !res.body) {
    void res.body?.cancel();
    throw new EarshotError('ERR_IO', `cannot fetch ${url}: HTTP ${res.status} ${res.statusText}`);
  }
  return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
}

/** How messages name an input: `stdin` for -, else the path or URL. */
export function inputLabel(input: string): string {
  return input === '-' ? 'stdin' : input;
}

/** The byte stream of an http(s) URL or of stdin (-); null for a file path (decoded by path). */
async function openNetworkOrStdin(input: string, signal: AbortSignal | undefined): Promise<NodeJS.ReadableStream | null> {
  if (isHttpUrl(input)) return fetchStream(input, signal);
  if (input !== '-') return null;
  signal?.addEventListener('abort', () => process.stdin.destroy(), { once: true });
  return process.stdin;
}

/**
 * The raw bytes of a file, an http(s) URL or stdin (-), for inputs that carry no container (raw PCM).
 * A file that cannot be opened fails here (ERR_IO naming it), not at the first read.
 */
export async function openBytes(input: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
  const stream = await openNetworkOrStdin(input, signal);
  if (stream) return stream;
  const file = fs.createReadStream(input, { signal });
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', (err: NodeJS.ErrnoException) => reject(new EarshotError('ERR_IO', `cannot open ${input}: ${err.code ?? err.message}`, { cause: err })));
  });
  return file;
}

/** `gen` with its first chunk already decoded, so that an unreadable input fails before anything connects. */
export async function primed(gen: AsyncGenerator<Float32Array, void, undefined>): Promise<AsyncGenerator<Float32Array, void, undefined>> {
  const first = await gen.next();
  return (async function* () {
    try {
      if (first.done) return;
      yield first.value;
      yield* gen;
    } finally {
      await gen.return(undefined);
    }
  })();
}

/**
 * Mono float32 chunks at `sampleRateHz`. Aborting `signal` stops a URL download (and stdin), so a
 * stalled radio mount does not hold up Ctrl-C.
 */
export async function openInput(input: string, opts: { sampleRateHz: number; signal?: AbortSignal }): Promise<AsyncGenerator<Float32Array, void, undefined>> {
  const source = (await openNetworkOrStdin(input, opts.signal)) ?? input;
  return primed(streamAudio(source, { sampleRateHz: opts.sampleRateHz }));
}
