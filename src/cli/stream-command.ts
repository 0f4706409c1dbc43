/**
 * `earshot stream <file | http(s) URL | ->`: sends audio to a running engine (`earshot serve`) over
 * Protocol v1 and prints what it hears, a line per window (or --jsonl), then the final event.
 * The audio is decoded here to 22,050 Hz mono float32 (the model's rate, so the server resamples nothing):
 * a container, or raw PCM described by --encoding/--sample-rate/--channels (./stream-input.ts).
 */
import * as path from 'node:path';
import { ANALYSIS_RATE_HZ } from '../audio/load';
import { backoffDelayMs, resolveReconnect } from '../client/backoff';
import { EarshotClientError, type CloseInfo } from '../client/client';
import { isHttpUrl } from '../client/audio-input';
import { formatWindow } from '../client/format';
import { EarshotClient } from '../client/node';
import type { StreamOptions } from '../client/options';
import { choiceArg, intArg, numArg } from './args';
import { defineCommand, type CommandInput, type OptionValues } from './dispatch';
import { openStreamInput, RAW_PCM_USAGE, rawPcmFormat, type RawPcmFormat } from './stream-input';
import { pumpAudio } from '../client/pump';
import { EarshotError } from '../errors';
import { ProtocolError } from '../protocol/errors';
import { MEAN_MODES, SEGMENT_MODES, STREAM_QUERY } from '../protocol/query';

export const STREAM_USAGE = `usage: earshot stream <file | http(s)://URL | -> [options]
  Streams audio (any format the decoder reads; - is stdin) to a running engine and prints a line per
  window: the time range, tags and next-track suggestions; at the end of the input, the final event.
  Raw PCM (no header, e.g. ffmpeg -i song.mp3 -f f32le -ar 44100 -ac 2 - | earshot stream - --encoding
  f32le --sample-rate 44100 --channels 2) needs --encoding and --sample-rate; without them the input is
  sniffed. Leave the downmix and resampling to earshot (no -ac 1, no -ar 22050): a 44.1-kHz stereo
  source then gives exactly the factors of streaming the file.
  --server <url>       engine address (default ws://127.0.0.1:8765)
  --fast               send as fast as the server takes it (overflow=block: no window dropped)
                       instead of in real time
  --hop <s>            seconds between windows (server default 1.0: a live stream wants fresh tags and
                       suggestions every second; \`earshot analyze\` defaults to one window per ≈ 3 s, the
                       paper's clip prediction; --hop 1 there gives the factors a stream ends with)
  --k <n>              suggestions per window (server default 10)
  --tags <n>           tags per window (server default 5)
  --factors            include the factor vector in each event (see it with --jsonl)
  --playable           suggest only songs with a uri (a file or URL a player can open: docs/catalog.md)
  --track <id|uri>     what is playing, by catalogue id or uri: never suggested (default: the input's
                       absolute path or URL, the uri \`earshot catalog add\` records; none for - and --follow)
  --mean <how>         how each event averages the window predictions: track (server default: every
                       window since the track began), sliding (the last --mean-s seconds) or decay
                       (weights halving every --mean-s seconds)
  --mean-s <s>         the sliding length or decay half-life, 1..300 s (server default 20)
  --segment auto       detect song changes (a radio stream, a DJ mix): prints "track change at T s"
                       (--jsonl: {"type":"track_change","t":T}) and the average restarts at T; reported
                       ≈ 20 s after T (docs/protocol.md, "Song changes")
  --token <token>      access token (default: $EARSHOT_TOKEN)
  --jsonl              print every event as one JSON line, with a wall-clock "ts" added
  --follow             URL input (radio): when the source drops or ends, reconnect to it with backoff
                       and go on, sending a reset each time; Ctrl-C finalizes and exits 0
${RAW_PCM_USAGE}`;

export const DEFAULT_SERVER = 'ws://127.0.0.1:8765';

/**
 * The name the engine can recognise the input by in its catalogue (never suggested while it plays): a
 * file's absolute path or a URL, as `earshot catalog add` records uris; none for stdin or a radio mount.
 */
function playingTrack(input: string, follow: boolean): string | undefined {
  if (input === '-' || follow) return undefined;
  return isHttpUrl(input) ? input : path.resolve(input);
}
/** Realtime frames: 50 ms at 22,050 Hz. */
const REALTIME_CHUNK_SAMPLES = Math.round(0.05 * ANALYSIS_RATE_HZ);
/**
 * --fast frames: 2 s (176 KB of float32), under the server's 1 MiB frame limit; large so that a fast
 * server is not held back by its per-stream message rate limit (200/s: 400× realtime at this size).
 */
const FAST_CHUNK_SAMPLES = 2 * ANALYSIS_RATE_HZ;
/** --follow: reconnects to the audio source, slower than the SDK's server reconnects (a radio mount may be down for minutes). */
const SOURCE_BACKOFF = resolveReconnect({ initialDelayMs: 1000, maxDelayMs: 60_000, factor: 2, jitter: 0.5 });
/** A source connection that delivered this much audio (s) counts as healthy: the backoff starts over. */
const HEALTHY_SOURCE_S = 30;

/** Prints events: text lines (windows on stdout, status on stderr) or JSON lines on stdout. */
class Printer {
  constructor(readonly jsonl: boolean) {}
  /** --jsonl: the event as one JSON line. */
  event(ev: { type: string }): void {
    if (this.jsonl) process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), ...ev }) + '\n');
  }
  /** Text mode: a result line. */
  line(text: string): void {
    if (!this.jsonl) process.stdout.write(text + '\n');
  }
  /** Text mode: progress and problems, on stderr so stdout stays the results. */
  status(text: string): void {
    if (!this.jsonl) process.stderr.write(text + '\n');
  }
}

const STREAM_OPTIONS = {
  server: { type: 'string' }, fast: { type: 'boolean' }, hop: { type: 'string' }, k: { type: 'string' }, tags: { type: 'string' },
  factors: { type: 'boolean' }, token: { type: 'string' }, jsonl: { type: 'boolean' }, follow: { type: 'boolean' },
  playable: { type: 'boolean' }, track: { type: 'string' }, mean: { type: 'string' }, 'mean-s': { type: 'string' }, segment: { type: 'string' },
  encoding: { type: 'string' }, 'sample-rate': { type: 'string' }, channels: { type: 'string' },
} as const;

async function streamCommand(values: OptionValues<typeof STREAM_OPTIONS>, { positionals }: CommandInput): Promise<void> {
  if (positionals.length !== 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `expected one input (file, http(s) URL or -), got ${positionals.length}\n${STREAM_USAGE}`);
  const input = positionals[0];
  const follow = values.follow ?? false;
  if (follow && !isHttpUrl(input)) throw new EarshotError('ERR_INVALID_ARGUMENT', '--follow needs an http(s) URL input (a radio stream)');
  const raw = rawPcmFormat(values);
  const fast = values.fast ?? false;
  const server = values.server ?? DEFAULT_SERVER;
  const out = new Printer(values.jsonl ?? false);

  let client: EarshotClient;
  try {
    client = new EarshotClient(server, {
      encoding: 'pcm_f32le', sampleRateHz: ANALYSIS_RATE_HZ, channels: 1,
      hopS: numArg('hop', values.hop), k: intArg('k', values.k), tags: intArg('tags', values.tags), factors: values.factors,
      playable: values.playable, track: values.track ?? playingTrack(input, follow), ...averaging(values),
      overflow: fast ? 'block' : 'drop', token: values.token ?? process.env.EARSHOT_TOKEN ?? undefined,
      // A radio tagger waits out a server restart however long it takes; a file gives up after ~2.5 min.
      reconnect: { maxAttempts: follow ? Infinity : 10 },
    });
  } catch (err) {
    if (err instanceof ProtocolError || err instanceof TypeError) throw new EarshotError('ERR_INVALID_ARGUMENT', err.message);
    throw err;
  }

  let closed: CloseInfo | undefined;
  client.on('close', (info) => (closed = info));

  // Ctrl-C: stop reading, finalize, print the final event, exit 0. A second Ctrl-C quits at once.
  const stop = new AbortController();
  const onSigint = (): void => {
    if (stop.signal.aborted) process.exit(130);
    out.status('interrupted: finalizing (Ctrl-C again to quit now)');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    // The input first: a file that cannot be decoded fails without touching the server.
    let audio = follow ? await openWithRetry(input, raw, out, stop.signal, 0) : await openStreamInput(input, raw, { sampleRateHz: ANALYSIS_RATE_HZ, signal: stop.signal });
    if (!audio) return; // Ctrl-C before the radio source ever came up

    wireEvents(client, out);
    try {
      await client.connect();
    } catch (err) {
      throw connectError(server, err);
    }

    let attempt = 0;
    let samples = 0;
    let cutShort: EarshotError | undefined; // raw PCM that ended inside a sample frame: told after the final event
    for (;;) {
      samples = await pumpAudio(client, audio, {
        sampleRateHz: ANALYSIS_RATE_HZ, realtime: !fast, chunkSamples: fast ? FAST_CHUNK_SAMPLES : REALTIME_CHUNK_SAMPLES, signal: stop.signal,
      }).catch((err) => {
        if (follow && !(err instanceof EarshotClientError) && !stop.signal.aborted) {
          out.status(`audio source failed: ${(err as Error).message}`);
          return -1; // the source failed mid-stream: reconnect to it below
        }
        if (err instanceof EarshotError && err.code === 'ERR_AUDIO_TRUNCATED') {
          cutShort = err; // every whole sample frame was sent: finalize them first
          return -1;
        }
        throw err;
      });
      if (!follow || stop.signal.aborted) break;
      // After a healthy run the backoff starts over; a mount that keeps dropping at once backs off further.
      attempt = samples >= HEALTHY_SOURCE_S * ANALYSIS_RATE_HZ ? 1 : attempt + 1;
      if (samples >= 0) out.status(`${input} ended after ${(samples / ANALYSIS_RATE_HZ).toFixed(1)} s of audio`);
      const next = await openWithRetry(input, raw, out, stop.signal, attempt);
      if (!next) break;
      audio = next;
      client.reset(); // the stream picks up after a gap: don't average across it
    }
    // Let the windows of the audio already sent arrive before finalize (the engine sends none after it).
    await finish(client, stop.signal);
    if (cutShort) throw cutShort;
  } catch (err) {
    await client.close().catch(() => {});
    if (err instanceof EarshotClientError) {
      const why = closed?.error?.message ?? err.message;
      throw new EarshotError('ERR_IO', `the stream to ${client.url.split('?')[0]} failed: ${why}`, { cause: err });
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** One line that says whether the server was not there at all or refused the stream (and why). */
function connectError(server: string, err: unknown): EarshotError {
  if (!(err instanceof EarshotClientError)) return new EarshotError('ERR_IO', `cannot connect to the earshot server at ${server}: ${(err as Error).message}`, { cause: err });
  if (err.code === 'connect_failed' || err.code === 'connect_timeout') {
    const hint = /ECONNREFUSED/.test(err.detail) ? ' (is `earshot serve` running there?)' : '';
    return new EarshotError('ERR_IO', `cannot connect to the earshot server at ${server}: ${err.detail}${hint}`, { cause: err });
  }
  // The server answered with an error event and a close code (unauthorized 4401, too_many_streams 1008…).
  return new EarshotError('ERR_IO', `the earshot server at ${server} refused the stream: ${err.code}: ${err.detail} (close ${err.closeCode})`, { cause: err });
}

/** Finalize, wait for the final event (printed by its listener), close. */
async function finish(client: EarshotClient, signal: AbortSignal): Promise<void> {
  if (client.state !== 'open') {
    // Reconnecting (the server went away): wait for it so that there is a stream to finalize.
    try {
      await client.drain(Infinity, signal);
    } catch (err) {
      if (!signal.aborted) throw err;
      throw new EarshotError('ERR_IO', `interrupted while reconnecting to ${client.url.split('?')[0]}: no final event`);
    }
  }
  await client.finalize();
  await client.close();
}

function wireEvents(client: EarshotClient, out: Printer): void {
  client.on('message', (ev) => {
    if (ev.type !== 'keepalive') out.event(ev);
  });
  client.on('window', (ev) => out.line(formatWindow(ev)));
  client.on('final', (ev) => out.line(formatWindow(ev)));
  client.on('track_change', (ev) => out.line(`track change at ${ev.t.toFixed(1)} s (the average restarts there)`));
  client.on('begin', (b) => out.status(`connected to ${client.url.split('?')[0]}: model ${b.model}, ${b.items} items, ${b.factors} factors, window ${b.window_s} s, hop ${b.hop_s} s${b.track ? `; playing catalogue song ${b.track} (not suggested)` : ''}${b.playable ? '; playable songs only' : ''}${b.mean && b.mean !== 'track' ? `; ${b.mean} mean, ${b.mean_s} s` : ''}${b.segment === 'auto' ? '; detecting song changes' : ''}`));
  client.on('error', (e) => {
    if (e.source === 'client') out.event(e);
    // Before `begin`, an error is a refusal: connectError() words it, once.
    if (client.begin) out.status(`${e.source} error ${e.code}: ${e.message}`);
  });
  client.on('reconnect', (r) => {
    out.event({ type: 'reconnect', ...r });
    out.status(`server connection lost (${r.code} ${r.reason}); reconnecting in ${(r.delayMs / 1000).toFixed(1)} s (attempt ${r.attempt})`);
  });
  client.on('reload', (r) => out.status(`server reloaded the model: ${r.model} (${r.items} items)`));
}

/** --mean, --mean-s, --segment as stream options (their values checked here, in the flags' words). */
function averaging(values: OptionValues<typeof STREAM_OPTIONS>): Pick<StreamOptions, 'mean' | 'meanS' | 'segment'> {
  const mean = choiceArg('mean', values.mean, MEAN_MODES);
  const meanS = numArg('mean-s', values['mean-s'], STREAM_QUERY.mean_s.min, STREAM_QUERY.mean_s.max);
  if (meanS !== undefined && mean !== 'sliding' && mean !== 'decay') throw new EarshotError('ERR_INVALID_ARGUMENT', '--mean-s is the length of a sliding or decay mean: it needs --mean sliding or --mean decay');
  return { mean, meanS, segment: choiceArg('segment', values.segment, SEGMENT_MODES) };
}

/** Opens the source; with --follow, retries with backoff until it works or Ctrl-C (null). */
async function openWithRetry(input: string, raw: RawPcmFormat | null, out: Printer, signal: AbortSignal, attempt: number): Promise<AsyncGenerator<Float32Array, void, undefined> | null> {
  for (;;) {
    if (attempt > 0) {
      const delayMs = backoffDelayMs(attempt, SOURCE_BACKOFF);
      out.event({ type: 'source_reconnect', attempt, delayMs } as { type: string });
      out.status(`reconnecting to ${input} in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt})`);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          signal.removeEventListener('abort', done); // one retry after another for hours: leave no listener behind
          resolve();
        };
        const t = setTimeout(done, delayMs);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    if (signal.aborted) return null;
    try {
      return await openStreamInput(input, raw, { sampleRateHz: ANALYSIS_RATE_HZ, signal });
    } catch (err) {
      if (signal.aborted) return null;
      out.status(`cannot open ${input}: ${(err as Error).message}`);
      attempt++;
    }
  }
}

export const STREAM_COMMAND = defineCommand({
  name: 'stream', summary: 'stream audio to a running engine; print tags and suggestions per window', usage: STREAM_USAGE, options: STREAM_OPTIONS, positionals: true, run: streamCommand,
});
