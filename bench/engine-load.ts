/**
 * The `engine` benchmark's load generator, run by bench/engine.ts as its own process
 * (`node dist/bench/engine-load.js --url ws://127.0.0.1:PORT --streams N ...`) so that its CPU is measured
 * apart from the server's. It opens N Protocol v1 streams spread over the first `--open-ms`, plays clip
 * i % clips into stream i from a seeded random offset (looping), paced by the wall clock, and times every
 * window event.
 *
 *   latency            receive time − (stream's audio start + t_end): how long after the last sample a
 *                      window depends on was *recorded* its event arrived. A live source can only send a
 *                      chunk once it is complete, so this includes up to one chunk (--chunk-ms) of
 *                      packetisation; `after_chunk` leaves that out (receive − the moment the chunk holding
 *                      t_end was due). The audio start is the `begin` event's arrival.
 *   send lag           how late the shared timer sent each chunk after its due time. Above ≈ 20 ms the
 *                      generator is not keeping up and the latencies measure it, not the server.
 *   overdue            windows whose t_end was due more than --overdue-ms before the end and never came
 *                      (a stalled stream): counted, and entered in the latency figures at their lower
 *                      bound (end − due), so a stall cannot hide behind the events that did arrive.
 *
 * Timeline: streams open during [0, open-ms); warm-up lasts --warmup s more (first windows, JIT, the
 * server's model caches); then --seconds of measurement. Stdout carries JSON lines only: `ready`
 * (clips decoded), `measuring` (measurement starts now), `measured` (it ended; the streams stay open,
 * silent, for 1 s more so the parent can read the server's gauges), `result`.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { BYTES_PER_SAMPLE, STREAM_PATH, type ServerEvent } from '../src/protocol';
import { mulberry32 } from '../trainer/eval/prng';
import { loadWireClips, type WireClip } from './engine-clips';
import { parseLoadOptions, type LoadOptions, type LoadResult } from './engine-load-options';
import { Histogram } from './engine-stats';

interface Stream {
  ws: WebSocket;
  clip: WireClip;
  pos: number;
  openedMs: number;
  /** The wall-clock time of audio sample 0 (the `begin` event's arrival); NaN before. */
  startMs: number;
  chunksSent: number;
  closed: boolean;
  hopS: number;
  windowS: number;
  lastTEnd: number;
  lastSeq: number;
  dropped: number;
}

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

function emit(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const bytesPerFrame = opts.channels * BYTES_PER_SAMPLE[opts.encoding];
  const chunkFrames = Math.max(1, Math.round((opts.sampleRateHz * opts.chunkMs) / 1000));
  const chunkBytes = chunkFrames * bytesPerFrame;
  const chunkDurMs = (chunkFrames / opts.sampleRateHz) * 1000;
  // Catch-up after a late tick is bounded: at most one tick's worth of chunks plus one per stream per tick.
  const maxChunksPerTick = Math.ceil(opts.tickMs / chunkDurMs) + 1;

  const t0Decode = performance.now();
  const { clips, note } = await loadWireClips(opts.clipDir, opts, chunkBytes);
  const clipDecodeS = (performance.now() - t0Decode) / 1000;
  emit({ type: 'ready', clips: note, decode_s: clipDecodeS });

  const query = new URLSearchParams({ encoding: opts.encoding, sample_rate: String(opts.sampleRateHz), channels: String(opts.channels), hop: String(opts.hopS), k: String(opts.k) });
  const streamUrl = `${opts.url.replace(/^http/, 'ws').replace(/\/$/, '')}${STREAM_PATH}?${query}`;
  const rand = mulberry32(opts.seed);

  const streams: Stream[] = [];
  const closes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const firstErrors: string[] = [];
  const noteError = (key: string, text: string) => {
    count(errors, key);
    if (firstErrors.length < 10) firstErrors.push(text);
  };
  const latency = new Histogram();
  const afterChunk = new Histogram();
  const sendLag = new Histogram();
  const connectMs = new Histogram();
  const tickLate = new Histogram();
  // Per second of the measurement: window events, worst latency, worst send lag (ms).
  const perS = { windows: [] as number[], latency_max_ms: [] as number[], send_lag_max_ms: [] as number[] };
  const bump = (series: number[], tMs: number, v: number, sum: boolean) => {
    const i = Math.floor((tMs - measureStart) / 1000);
    if (i < 0 || i >= opts.seconds) return;
    while (series.length <= i) series.push(0);
    series[i] = sum ? series[i] + v : Math.max(series[i], v);
  };
  let windows = 0;
  let earlyEvents = 0;
  let seqGaps = 0;
  let bytesMeasured = 0;
  let maxBuffered = 0;
  let hopS: number | null = null;
  let windowS: number | null = null;

  const t0 = performance.now();
  const measureStart = t0 + opts.openMs + opts.warmupS * 1000;
  const measureEnd = measureStart + opts.seconds * 1000;
  let measuring = false;
  const sendOpts = { binary: true, compress: false };

  const open = (i: number) => {
    const clip = clips[i % clips.length];
    const frames = clip.clipBytes / bytesPerFrame;
    // perMessageDeflate off: PCM does not compress, and deflating would charge the generator's CPU. A zero
    // mask makes ws skip XOR-masking the payload (RFC 6455 requires a mask, not a random one; it guards
    // against proxy cache poisoning, irrelevant on loopback): the server still unmasks every frame.
    const ws = new WebSocket(streamUrl, { perMessageDeflate: false, generateMask: (mask: Buffer) => void mask.fill(0) });
    const s: Stream = {
      ws,
      clip,
      pos: Math.floor(rand() * frames) * bytesPerFrame,
      openedMs: performance.now(),
      startMs: NaN,
      chunksSent: 0,
      closed: false,
      hopS: opts.hopS,
      windowS: 3,
      lastTEnd: -1,
      lastSeq: -1,
      dropped: 0,
    };
    streams.push(s);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const now = performance.now();
      if (isBinary) return;
      let ev: ServerEvent;
      try {
        ev = JSON.parse(data.toString()) as ServerEvent;
      } catch {
        noteError('unparseable', `stream ${i}: unparseable text frame`);
        return;
      }
      if (ev.type === 'begin') {
        s.startMs = now;
        s.hopS = ev.hop_s;
        s.windowS = ev.window_s;
        hopS = ev.hop_s;
        windowS = ev.window_s;
        connectMs.add(now - s.openedMs);
      } else if (ev.type === 'window') {
        const dueMs = s.startMs + ev.t_end * 1000;
        const chunksNeeded = Math.ceil((ev.t_end * opts.sampleRateHz - 1e-6) / chunkFrames);
        if (now < dueMs - 1) earlyEvents++;
        if (s.lastSeq >= 0 && ev.seq > s.lastSeq + 1) seqGaps += ev.seq - s.lastSeq - 1;
        s.lastSeq = ev.seq;
        s.lastTEnd = ev.t_end;
        s.dropped = ev.dropped;
        if (measuring && now <= measureEnd) {
          windows++;
          latency.add(now - dueMs);
          bump(perS.windows, now, 1, true);
          bump(perS.latency_max_ms, now, now - dueMs, false);
          afterChunk.add(now - (s.startMs + chunksNeeded * chunkDurMs));
        }
      } else if (ev.type === 'error') {
        noteError(ev.code, `stream ${i}: error ${ev.code}: ${ev.message}`);
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (!s.closed) {
        s.closed = true;
        count(closes, String(code));
        if (firstErrors.length < 10) firstErrors.push(`stream ${i}: closed ${code} ${reason.toString()}`);
      }
    });
    ws.on('error', (err: Error) => noteError(`socket: ${err.message}`, `stream ${i}: ${err.message}`));
    ws.on('unexpected-response', (_req, res) => {
      noteError(`http ${res.statusCode}`, `stream ${i}: upgrade answered HTTP ${res.statusCode}`);
      ws.terminate();
    });
  };

  const send = (s: Stream, now: number) => {
    let due = s.startMs + (s.chunksSent + 1) * chunkDurMs;
    for (let n = 0; n < maxChunksPerTick && due <= now; n++) {
      s.ws.send(s.clip.bytes.subarray(s.pos, s.pos + chunkBytes), sendOpts);
      if (measuring) {
        sendLag.add(now - due);
        bump(perS.send_lag_max_ms, now, now - due, false);
        bytesMeasured += chunkBytes;
      }
      s.pos += chunkBytes;
      if (s.pos >= s.clip.clipBytes) s.pos -= s.clip.clipBytes;
      s.chunksSent++;
      due += chunkDurMs;
    }
  };

  return new Promise<LoadResult>((resolve) => {
    let nextOpen = 0;
    let lastBufferCheck = 0;
    let lastTick = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      if (measuring) tickLate.add(now - lastTick - opts.tickMs);
      lastTick = now;
      while (nextOpen < opts.streams && t0 + (nextOpen * opts.openMs) / opts.streams <= now) open(nextOpen++);
      if (!measuring && now >= measureStart) {
        measuring = true;
        emit({ type: 'measuring' });
      }
      for (const s of streams) {
        if (!s.closed && s.startMs === s.startMs && s.ws.readyState === WebSocket.OPEN) send(s, now);
      }
      if (now - lastBufferCheck >= 1000) {
        lastBufferCheck = now;
        for (const s of streams) maxBuffered = Math.max(maxBuffered, s.ws.bufferedAmount);
      }
      if (now >= measureEnd) {
        clearInterval(timer);
        resolve(finish(now));
      }
    }, opts.tickMs);

    const finish = (now: number): LoadResult => {
      let overdue = 0;
      let connected = 0;
      let dropped = 0;
      for (const s of streams) {
        if (s.startMs !== s.startMs) continue;
        connected++;
        dropped += s.dropped;
        if (s.closed) continue;
        // Windows that should have arrived by now and did not: entered at their lower-bound latency.
        let tEnd = s.lastTEnd >= 0 ? s.lastTEnd + s.hopS : s.windowS;
        for (let dueMs = s.startMs + tEnd * 1000; dueMs + opts.overdueMs <= now; tEnd += s.hopS, dueMs = s.startMs + tEnd * 1000) {
          if (dueMs < measureStart) continue;
          overdue++;
          latency.add(now - dueMs);
        }
      }
      const measureS = opts.seconds;
      return {
        type: 'result',
        streams: opts.streams,
        connected,
        not_connected: opts.streams - connected,
        closes,
        errors,
        first_errors: firstErrors,
        measure_s: measureS,
        windows,
        windows_per_s: windows / measureS,
        expected_windows_per_s: hopS ? connected / hopS : 0,
        latency_ms: latency.summary(),
        after_chunk_ms: afterChunk.summary(),
        overdue,
        early_events: earlyEvents,
        seq_gaps: seqGaps,
        dropped_reported: dropped,
        send_lag_ms: sendLag.summary(),
        tick_late_ms: tickLate.summary(),
        per_second: perS,
        connect_ms: connectMs.summary(),
        audio_xrt: connected ? bytesMeasured / bytesPerFrame / opts.sampleRateHz / measureS / connected : 0,
        max_buffered_bytes: maxBuffered,
        clips: note,
        clip_decode_s: clipDecodeS,
        hop_s: hopS,
        window_s: windowS,
      };
    };
  }).then(async (result) => {
    // The parent scrapes /metrics on `measured`: keep the (now silent) streams open a moment for it.
    for (const s of streams) s.closed = true;
    emit({ type: 'measured' });
    await new Promise((r) => setTimeout(r, 1000));
    for (const s of streams) s.ws.terminate();
    return result;
  });
}

async function cli(args: string[]): Promise<number> {
  let opts: LoadOptions;
  try {
    opts = parseLoadOptions(args);
  } catch (err) {
    process.stderr.write(`engine-load: ${(err as Error).message}\n`);
    return 2;
  }
  const result = await runLoad(opts);
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()));
  return 0;
}

if (require.main === module) {
  cli(process.argv.slice(2)).then(
    (code) => {
      // Sockets were terminated; exit now rather than waiting for their handles to drain.
      process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`engine-load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
