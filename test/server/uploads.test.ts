// Issue 13, item 1: uploads are bounded by what they declare before anything is allocated, analysed off
// the event loop on a bounded queue, and live streams keep their realtime latency while analyses run.
// Regression: a 44-KB WAV declaring 1 Hz stalled the whole server for 13 s (resampled 22,050× before
// its duration was checked) and grew RSS by 1.9 GB.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { startServer, type EarshotServer } from '../../src/server/server';
import { loadAudio } from '../../src/audio/load';
import { DEFAULT_BUNDLE, TestStream, testAudio, uploadWav } from '../helpers/engine-client';
import { makeWav } from '../helpers/wav-writer';

const wav = uploadWav;

/** The reproduction: 22,000 samples (44 KB) of 16-bit noise declaring 1 Hz. */
function oneHertzWav(): Buffer {
  let s = 7;
  return wav(1, Array.from({ length: 22_000 }, () => ((s = (s * 48271) % 2147483647) / 2147483647) * 2 - 1));
}

let server: EarshotServer;
before(async () => {
  server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
});
after(async () => {
  await server.close();
});

async function post(path: string, body: Buffer): Promise<{ status: number; ms: number; body: { error?: { code: string; message: string } } & Record<string, unknown>; retryAfter: string | null }> {
  // node:http writes the Buffer as it is: fetch copies a body twice on this process's event loop (≈ 0.5 s
  // for the 30-MB uploads below), which also runs the server and the streams whose latency is measured.
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, { method: 'POST', headers: { 'content-length': body.length } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        try {
          const json = JSON.parse(Buffer.concat(parts).toString()) as { error?: { code: string; message: string } };
          const retry = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: json, retryAfter: typeof retry === 'string' ? retry : null });
        } catch (err) {
          reject(err as Error);
        }
      });
      res.on('error', reject);
    });
    // A refused upload may be answered before its body is sent: the server then closes the connection.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

test('a 44-KB WAV declaring 1 Hz is refused at once by /v1/analyze and /v1/catalog (was 13 s and +1.9 GB)', async () => {
  const rss0 = process.memoryUsage.rss();
  for (const path of ['/v1/analyze', '/v1/catalog?id=one-hertz']) {
    const health = (async () => {
      await new Promise((r) => setTimeout(r, 20));
      const t0 = performance.now();
      await fetch(`${server.url}/healthz`);
      return performance.now() - t0;
    })();
    const r = await post(path, oneHertzWav());
    assert.equal(r.status, 415, JSON.stringify(r.body));
    assert.equal(r.body.error?.code, 'bad_audio');
    assert.match(r.body.error!.message, /sample rate of 1 Hz; supported: 4000\.\.768000 Hz \[ERR_AUDIO_FORMAT\]/);
    assert.ok(r.ms < 2000, `${path} answered after ${r.ms.toFixed(0)} ms`);
    assert.ok((await health) < 500, '/healthz answers while the upload is refused');
  }
  assert.equal(server.engine.recommender.catalog.indexOf('one-hertz'), -1);
  assert.ok(process.memoryUsage.rss() - rss0 < 200 * 2 ** 20, 'no gigabyte-sized buffer was allocated');
});

test('the declared length is checked before decoding: an honest 8-kHz header of 1,900 s is 413 too_long', async () => {
  // An honest header (the body holds every byte it declares: 30 MB of 8-kHz silence) of 1,900 s, past the
  // server's 1,800-s upload limit: refused from the header, after decoding one 64-KB chunk, not 1,900 s.
  const seconds = 1900;
  const body = wav(8000, new Float32Array(8000 * seconds));
  const r = await post('/v1/analyze', body);
  assert.equal(r.status, 413, JSON.stringify(r.body));
  assert.equal(r.body.error?.code, 'too_long');
  assert.match(r.body.error!.message, /declares 1900 s; the limit is 1800 s/);
  assert.ok(r.ms < 3000, `answered after ${r.ms.toFixed(0)} ms (nothing decoded)`);
});

test('a tiny upload cannot claim more audio than its bytes carry (16 B/s), nor more channels than 64', async () => {
  const lying = wav(8000, new Float32Array(8000), 8000 * 2 * 100); // says 100 s, holds 1 s: truncated
  const r1 = await post('/v1/analyze', lying);
  assert.equal(r1.status, 415);
  assert.match(r1.body.error!.message, /ERR_AUDIO_TRUNCATED/);
  const many = Buffer.from(makeWav({ encoding: 's16', channels: 100, sampleRateHz: 22050, values: new Array(100 * 2205).fill(0) }));
  const r2 = await post('/v1/analyze', many);
  assert.equal(r2.status, 415);
  assert.match(r2.body.error!.message, /has 100 channels; supported: 1\.\.64/);
});

test('an upload analysed on a worker equals the in-process analysis of the same audio', async () => {
  const x = testAudio(9, 3, 44100);
  const body = wav(44100, x);
  const r = await post('/v1/analyze?k=5&tags=3', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // Reference: the engine's own analysis of the file decoded and resampled in this process.
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-up-')), 'x.wav');
  fs.writeFileSync(file, body);
  const a = await loadAudio(file, { sampleRateHz: 22050 });
  const ref = await server.engine.analyze(a.samples, 22050, { k: 5, tags: 3 });
  assert.equal(r.body.windows, ref.windows);
  const f = r.body.factors as number[];
  assert.equal(f.length, ref.factors.length);
  for (let i = 0; i < f.length; i++) assert.ok(Math.abs(f[i] - ref.factors[i]) <= 1e-6, `factor ${i}: ${f[i]} vs ${ref.factors[i]}`);
  assert.deepEqual((r.body.suggestions as { id: string }[]).map((s) => s.id), ref.suggestions.map((s) => s.id));
});

test('a full analysis queue answers 503 busy with Retry-After, at once; the queued one still completes', async () => {
  const own = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false, analysis: { workers: 1, idleWorkers: 1, maxQueued: 0 } });
  try {
    // 4 min at hop 0.1 s (one trunk stride of the default bundle: 8 frames): ≈ 1,276 windows, seconds on the worker.
    const long = wav(22050, testAudio(240, 5));
    const short = new Uint8Array(wav(22050, testAudio(5, 6)));
    const first = fetch(`${own.url}/v1/analyze?hop=0.1`, { method: "POST", body: new Uint8Array(long) });
    await new Promise((r) => setTimeout(r, 150)); // the first request holds the only place
    const t0 = performance.now();
    const second = await fetch(`${own.url}/v1/analyze`, { method: "POST", body: short });
    const ms = performance.now() - t0;
    assert.equal(second.status, 503);
    const retry = Number(second.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${second.headers.get('retry-after')}`);
    assert.equal(((await second.json()) as { error: { code: string } }).error.code, 'busy');
    assert.ok(ms < 1000, `refused after ${ms.toFixed(0)} ms`);
    const r1 = await first;
    assert.equal(r1.status, 200);
    assert.ok(((await r1.json()) as { windows: number }).windows >= 1250);
  } finally {
    await own.close();
  }
});

test('an analysis past its time limit is stopped: 503 timeout, and the next upload is served by a fresh worker', async () => {
  const own = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false, analysis: { timeoutS: 0.1, idleWorkers: 1 } });
  try {
    // 1,700 s at 8 kHz (27 MB): resampling, mel and ≈ 560 windows take seconds, far past 0.1 s.
    const r = await fetch(`${own.url}/v1/analyze`, { method: "POST", body: new Uint8Array(wav(8000, testAudio(1700, 2, 8000))) });
    assert.equal(r.status, 503);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'timeout');
    assert.equal(own.engine.analysisPool.stats.timedOut, 1);
    const ok = await fetch(`${own.url}/v1/analyze`, { method: "POST", body: new Uint8Array(wav(22050, testAudio(4, 2))) });
    assert.equal(ok.status, 200);
  } finally {
    await own.close();
  }
});

/** p-th percentile (nearest rank). */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

test('20 live streams keep realtime latency while 10 hostile and 10 normal analyses run', async () => {
  const STREAMS = 20;
  const CHUNK = 441; // 20 ms at 22,050 Hz
  const SECONDS = 10;
  const audio = testAudio(SECONDS + 1, 9);
  // Every upload is built before the streams start: this process also runs the server and the senders.
  const hostile = [oneHertzWav(), wav(8000, new Float32Array(8000 * 1900)), Buffer.alloc(50_000, 0x5a), wav(8000, new Float32Array(800), 8000 * 2 * 3600), oneHertzWav()];
  const bodies = [...Array.from({ length: 10 }, (_, i) => hostile[i % hostile.length]), ...Array.from({ length: 10 }, (_, i) => wav(22050, testAudio(30, 20 + i)))];
  const streams = await Promise.all(Array.from({ length: STREAMS }, () => TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1')));
  await Promise.all(streams.map((s) => s.next('begin')));
  const latencies: number[] = [];
  const t0 = performance.now();
  for (const s of streams) {
    s.ws.on('message', (d) => {
      const e = JSON.parse(d.toString()) as { type: string; t_end?: number };
      // When the window's last sample was sent: stream start + its end time (chunks leave on the wall clock).
      if (e.type === 'window') latencies.push(performance.now() - (t0 + e.t_end! * 1000));
    });
  }
  // Realtime senders: every stream gets its next 20-ms chunk when it is due.
  let sent = 0;
  const total = Math.floor((SECONDS * 22050) / CHUNK);
  const pump = new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor((performance.now() - t0) / 20) + 1);
      for (; sent < due; sent++) {
        const chunk = audio.slice(sent * CHUNK, (sent + 1) * CHUNK);
        for (const s of streams) s.ws.send(chunk);
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  // After 2 s of warm-up: 10 hostile uploads (the 1-Hz WAV, an over-long honest header, garbage, a
  // truncated claim) and 10 normal 30-s songs, all at once.
  await new Promise((r) => setTimeout(r, 2000));
  // Clients as the CLI behaves: a 503 busy is waited out (Retry-After) and sent again.
  const postRetrying = async (b: Buffer): Promise<Awaited<ReturnType<typeof post>>> => {
    for (let attempt = 0; ; attempt++) {
      const r = await post('/v1/analyze', b);
      if (r.status !== 503 || attempt >= 20) return r;
      await new Promise((res) => setTimeout(res, 1000 * Number(r.retryAfter ?? 1)));
    }
  };
  const answersDone = Promise.all(bodies.map(postRetrying)); // may finish after the streams: only their latency is measured
  await pump;
  await new Promise((r) => setTimeout(r, 500));
  for (const s of streams) s.close();
  const answers = await answersDone;
  const statuses = answers.map((a) => a.status);
  for (const [i, a] of answers.entries()) {
    if (i < 10) assert.ok([413, 415].includes(a.status), `hostile ${i}: ${a.status} ${JSON.stringify(a.body)}`);
    else assert.equal(a.status, 200, `normal ${i}: ${a.status} ${JSON.stringify(a.body)}`);
  }
  const p99 = percentile(latencies, 99);
  const p50 = percentile(latencies, 50);
  process.stdout.write(`# ${latencies.length} windows: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; uploads ${statuses.join(',')}\n`);
  assert.ok(latencies.length >= STREAMS * (SECONDS - 4), `windows received: ${latencies.length}`);
  // The old server held every stream for 13 s behind the first hostile upload.
  assert.ok(p99 < 250, `p99 window latency ${p99.toFixed(1)} ms while analyses ran`);
});
