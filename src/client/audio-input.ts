/**
 * Audio for the stream command (Node only): a file path, an http(s) URL (Icecast/Shoutcast mounts,
 * podcasts) or `-` (stdin), decoded by the project's decoder to mono float32 at the analysis rate. The
 * first chunk is decoded before openInput returns, so an unreadable input fails before anything
 * connects to the server.
 */
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

/**
 * Mono float32 chunks at `sampleRateHz`. Aborting `signal` stops a URL download (and stdin), so a
 * stalled radio mount does not hold up Ctrl-C.
 */
export async function openInput(input: string, opts: { sampleRateHz: number; signal?: AbortSignal }): Promise<AsyncGenerator<Float32Array, void, undefined>> {
  let source: string | NodeJS.ReadableStream = input;
  if (isHttpUrl(input)) source = await fetchStream(input, opts.signal);
  else if (input === '-') {
    source = process.stdin;
    opts.signal?.addEventListener('abort', () => process.stdin.destroy(), { once: true });
  }
  const gen = streamAudio(source, { sampleRateHz: opts.sampleRateHz });
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
