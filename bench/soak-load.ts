/**
 * The `soak` benchmark's load generator, its own process (`node dist/bench/soak-load.js --url … `) so the
 * server's RSS and CPU are its own. Keeps --streams streams busy with churn for --seconds: each stream
 * plays a real clip from a random offset in realtime (20-ms chunks of s16 PCM) for a random 20–60 s,
 * finalizes, waits for its `final`, closes, and a new stream takes its place 0–2 s later. Beside them:
 * an upload to POST /v1/analyze every --analyze-every-s and a new song to POST /v1/catalog every
 * --add-every-s. Latency as in engine-load.ts: receive time − (stream's audio start + t_end).
 * Stdout: JSON lines `ready`, then one `minute` per minute of the run, then `done`.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { encodeWavPcm16 } from '../src/audio/wav-encode';
import { mulberry32 } from '../trainer/eval/prng';
import { DEFAULT_CLIP_DIR, loadWireClips, type WireClip } from './engine-clips';
import { Histogram } from './engine-stats';
import { parseFlags } from './harness';

const RATE = 22050;
const CHUNK_MS = 20;
const CHUNK_BYTES = (RATE * CHUNK_MS * 2) / 1000; // s16 mono

interface Live {
  ws: WebSocket;
  clip: WireClip;
  pos: number;
  startMs: number;
  sent: number;
  chunks: number;
  finalizing: boolean;
}

function emit(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

class Minute {
  latency = new Histogram(0.5, 120_000);
  opened = 0;
  closedClean = 0;
  closedOther: Record<string, number> = {};
  errors: Record<string, number> = {};
  analyses: Record<string, number> = {};
  analyzeMs = new Histogram(1, 600_000);
  adds: Record<string, number> = {};
  lateTicks = new Histogram(0.5, 60_000);
}

const bump = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

async function main(): Promise<void> {
  const f = parseFlags(process.argv.slice(2), ['--url', '--streams', '--seconds', '--clips', '--analyze-every-s', '--add-every-s', '--seed'], []);
  const url = String(f.get('--url'));
  const target = Number(f.get('--streams') ?? 500);
  const seconds = Number(f.get('--seconds') ?? 3600);
  const analyzeEvery = Number(f.get('--analyze-every-s') ?? 5);
  const addEvery = Number(f.get('--add-every-s') ?? 10);
  const rand = mulberry32(Number(f.get('--seed') ?? 1));
  const { clips, note } = await loadWireClips(String(f.get('--clips') ?? DEFAULT_CLIP_DIR), { encoding: 'pcm_s16le', sampleRateHz: RATE, channels: 1 }, CHUNK_BYTES);
  // Uploads: each clip's first 30 s (analyses) and 10 s (catalogue adds) as WAV files.
  const wavOf = (c: WireClip, s: number): Uint8Array<ArrayBuffer> => {
    const n = Math.min(c.clipBytes / 2, s * RATE);
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = c.bytes.readInt16LE(2 * i) / 32768;
    return new Uint8Array(encodeWavPcm16(x, RATE));
  };
  const uploads = clips.map((c) => wavOf(c, 30));
  const adds = clips.map((c) => wavOf(c, 10));
  emit({ type: 'ready', clips: note });

  const wsUrl = `${url.replace(/^http/, 'ws')}/v1/stream?encoding=pcm_s16le&sample_rate=${RATE}&hop=1&k=10`;
  const t0 = performance.now();
  const endMs = t0 + seconds * 1000;
  let minute = new Minute();
  let minuteNo = 0;
  const live = new Set<Live>();
  let stopping = false;

  const open = (): void => {
    if (stopping) return;
    const clip = clips[Math.floor(rand() * clips.length)];
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const durS = 20 + 40 * rand();
    const s: Live = { ws, clip, pos: Math.floor(rand() * (clip.clipBytes / CHUNK_BYTES)) * CHUNK_BYTES, startMs: NaN, sent: 0, chunks: Math.round((durS * 1000) / CHUNK_MS), finalizing: false };
    live.add(s);
    ws.on('message', (d) => {
      const e = JSON.parse(d.toString()) as { type: string; t_end?: number; code?: string };
      if (e.type === 'begin') {
        s.startMs = performance.now();
        minute.opened++;
      } else if (e.type === 'window') minute.latency.add(performance.now() - (s.startMs + e.t_end! * 1000));
      else if (e.type === 'final') ws.close(1000);
      else if (e.type === 'error') bump(minute.errors, e.code ?? 'unknown');
    });
    ws.on('close', (code) => {
      live.delete(s);
      if (code === 1000 && s.finalizing) minute.closedClean++;
      else bump(minute.closedOther, String(code));
      if (!stopping) setTimeout(open, 2000 * rand());
    });
    ws.on('error', (err) => bump(minute.errors, `ws: ${err.message.slice(0, 40)}`));
  };
  for (let i = 0; i < target; i++) setTimeout(open, (2000 * i) / target); // spread the first opens over 2 s

  // One timer sends every stream's due chunks (as engine-load.ts).
  let lastTick = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    minute.lateTicks.add(now - lastTick - 5);
    lastTick = now;
    for (const s of live) {
      if (Number.isNaN(s.startMs) || s.finalizing || s.ws.readyState !== WebSocket.OPEN) continue;
      // A live source sends a chunk once it is complete: chunk i (audio up to (i + 1) · 20 ms) is due then.
      const due = Math.min(s.chunks, Math.floor((now - s.startMs) / CHUNK_MS));
      for (; s.sent < due; s.sent++) {
        if (s.pos + CHUNK_BYTES > s.clip.clipBytes) s.pos = 0;
        s.ws.send(s.clip.bytes.subarray(s.pos, s.pos + CHUNK_BYTES));
        s.pos += CHUNK_BYTES;
      }
      if (s.sent >= s.chunks) {
        s.finalizing = true;
        s.ws.send(JSON.stringify({ type: 'finalize' }));
      }
    }
  }, 5);

  let added = 0;
  const post = async (path: string, body: Uint8Array<ArrayBuffer>, into: Record<string, number>, ms?: Histogram): Promise<void> => {
    const a = performance.now();
    try {
      const r = await fetch(`${url}${path}`, { method: 'POST', body });
      await r.arrayBuffer();
      bump(into, String(r.status));
      ms?.add(performance.now() - a);
    } catch (err) {
      bump(into, `fetch: ${(err as Error).message.slice(0, 40)}`);
    }
  };
  const analyzeTimer = setInterval(() => void post('/v1/analyze?k=10', uploads[Math.floor(rand() * uploads.length)], minute.analyses, minute.analyzeMs), analyzeEvery * 1000);
  const addTimer = setInterval(() => {
    const n = added++;
    void post(`/v1/catalog?id=soak-${n}&artist=Soak&title=Song%20${n}&uri=/music/soak-${n}.ogg`, adds[n % adds.length], minute.adds);
  }, addEvery * 1000);

  const report = (): void => {
    const m = minute;
    minute = new Minute();
    const l = m.latency.summary();
    emit({
      type: 'minute', minute: minuteNo++, streams_open: live.size, opened: m.opened, closed_clean: m.closedClean, closed_other: m.closedOther, errors: m.errors,
      windows: l.n, latency_ms: { p50: l.p50, p99: l.p99, max: l.max }, analyses: m.analyses, analyze_ms_p50: m.analyzeMs.quantile(0.5), adds: m.adds, timer_late_p99_ms: m.lateTicks.quantile(0.99),
    });
  };
  await new Promise<void>((resolve) => {
    const everyMinute = setInterval(() => {
      report();
      if (performance.now() >= endMs - 1000) {
        clearInterval(everyMinute);
        resolve();
      }
    }, 60_000);
  });
  stopping = true;
  clearInterval(analyzeTimer);
  clearInterval(addTimer);
  clearInterval(tick);
  for (const s of live) s.ws.close(1000);
  emit({ type: 'done', catalogue_adds: added });
  setTimeout(() => process.exit(0), 500);
}

main().catch((err) => {
  process.stderr.write(`soak-load: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
