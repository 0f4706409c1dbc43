/**
 * Feeds decoded audio into a stream, either paced by the wall clock (a live source: the server sees
 * audio at the rate it would hear it) or as fast as the server takes it (files with overflow=block:
 * drain() between sends keeps memory bounded and lets TCP backpressure set the pace).
 */
import { EarshotClient, EarshotClientError } from './client';

export interface PumpOptions {
  sampleRateHz: number;
  /** Pace by the wall clock instead of waiting only on the socket. */
  realtime: boolean;
  /** Samples per binary frame (realtime: ~50 ms keeps latency low without flooding the socket). */
  chunkSamples: number;
  /** Stops the pump between chunks (Ctrl-C). */
  signal?: AbortSignal;
}

/** If a live source stalls longer than this (ms), pacing restarts from now instead of bursting to catch up. */
const MAX_LAG_MS = 1000;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const ABORTED = Symbol('aborted');

/** Sends every chunk of `chunks`; resolves with the samples sent. Throws if the client closes for good. */
export async function pumpAudio(client: EarshotClient, chunks: AsyncIterable<Float32Array>, o: PumpOptions): Promise<number> {
  let onAbort = (): void => {};
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    if (o.signal?.aborted) resolve(ABORTED);
    o.signal?.addEventListener('abort', onAbort, { once: true });
  });
  const it = chunks[Symbol.asyncIterator]();
  let t0 = performance.now();
  let sent = 0;
  try {
    for (;;) {
      // A network source can block in next() for a long time; Ctrl-C must not wait for it.
      const r = await Promise.race([it.next(), aborted]);
      if (r === ABORTED || r.done) return sent;
      const chunk = r.value;
      for (let off = 0; off < chunk.length; off += o.chunkSamples) {
        if (o.signal?.aborted) return sent;
        if (client.state === 'closed') throw new EarshotClientError('closed', 'the stream closed while sending audio');
        if (o.realtime) {
          const due = t0 + (sent / o.sampleRateHz) * 1000;
          const now = performance.now();
          if (now - due > MAX_LAG_MS) t0 += now - due;
          else if (due - now > 1) await sleep(due - now, o.signal);
        } else {
          try {
            await client.drain(undefined, o.signal); // also waits out a reconnect: only frames in flight at the drop are lost
          } catch (err) {
            if (o.signal?.aborted) return sent;
            throw err;
          }
        }
        const piece = chunk.subarray(off, Math.min(chunk.length, off + o.chunkSamples));
        client.sendPcm(piece);
        sent += piece.length;
      }
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort); // --follow calls this once per source connection, for hours
    // Not awaited: a generator blocked in a network read finishes its return() only when the read ends.
    it.return?.(undefined)?.catch(() => {});
  }
}
