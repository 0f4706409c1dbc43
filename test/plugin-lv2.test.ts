// The LV2 plugin (plugin-host/lv2) run by real LV2 hosts against the real engine in this process:
// lilv's lv2apply renders a WAV file offline through it (audio must come out sample for sample; the
// engine must predict the windows of the streamed audio, and the plugin's log must carry the final
// event, whose tags and suggestions must be those of offline analysis of the same samples); with no
// engine listening it must still pass audio through and exit at once; against a scripted `ws` server
// it must speak RFC 6455 correctly (masked frames, pong, fragmented messages, close handshake, Bearer
// token, query). With jackd (dummy driver) and jalv it runs in realtime, reports on its control output
// ports and reconnects after the engine drops the stream.
// Skips visibly when make, g++, lv2apply or the LV2 headers are missing (jalv/jackd for the realtime
// tests); EARSHOT_REQUIRE_HOSTS=1 (CI) fails instead.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseWav } from '../src/audio/wav';
import { startServer, type EarshotServer } from '../src/server/server';
import { DEFAULT_BUNDLE, testAudio } from './helpers/engine-client';
import { repoRoot } from './helpers/shared';
import { makeWav } from './helpers/wav-writer';
import { freePort } from './helpers/hosts';

const URI = 'https://earshot.dev/plugins/earshot-tap';
const LV2_DIR = path.join(repoRoot(), 'plugin-host', 'lv2');
const RATE = 44100;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-lv2-'));
const BUILD = path.join(tmp, 'lv2'); // LV2_PATH: holds only the bundle
let server: EarshotServer | null = null;
const children = new Set<ChildProcess>();

let jackd: ChildProcess | null = null;

after(async () => {
  for (const c of children) if (c !== jackd) c.kill('SIGKILL');
  if (jackd && jackd.exitCode === null && jackd.signalCode === null) {
    // SIGTERM: jackd removes its shared-memory segments and semaphores from /dev/shm (SIGKILL leaves them).
    const d = jackd;
    const exited = new Promise((resolve) => d.once('exit', resolve));
    d.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
  }
  if (server) await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command without blocking the event loop (the engine under test lives in this process). */
function runAsync(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: (c: ChildProcess) => void } = {}): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(c);
    let stdout = '';
    let stderr = '';
    c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    c.on('error', (e) => {
      clearTimeout(timer);
      children.delete(c);
      reject(e);
    });
    c.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(c);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
    if (o.input) o.input(c);
    else c.stdin!.end();
  });
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => {
    try {
      fs.accessSync(path.join(d, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function skipOrFail(t: TestContext, why: string): void {
  if (process.env.EARSHOT_REQUIRE_HOSTS === '1') assert.fail(`${why} and EARSHOT_REQUIRE_HOSTS=1`);
  t.skip(why);
}

let built: Promise<string | null> | null = null;
/** Builds the bundle once (make BUILD=tmp); resolves to a reason when the toolchain is missing. */
function build(): Promise<string | null> {
  built ??= (async () => {
    const missing = ['make', process.env.CXX ?? 'g++'].filter((c) => !onPath(c));
    if (missing.length > 0) return `missing ${missing.join(', ')} (Debian: apt-get install make g++ lv2-dev)`;
    const deps = await runAsync('make', ['-s', '-C', LV2_DIR, 'deps']);
    if (deps.code !== 0) return deps.stderr.trim() || 'LV2 headers not found (apt-get install lv2-dev)';
    const r = await runAsync('make', ['-C', LV2_DIR, `BUILD=${BUILD}`, `CHECK_DIR=${path.join(tmp, 'check')}`, 'all'], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `make failed:\n${r.stdout}\n${r.stderr}`);
    return null;
  })();
  return built;
}

/**
 * True when the plugin is built and the host programs are installed (lilv-utils: lv2apply, lv2ls,
 * lv2info); otherwise the test is skipped (or failed under EARSHOT_REQUIRE_HOSTS=1).
 */
async function pluginOrSkip(t: TestContext, hosts = ['lv2apply', 'lv2ls', 'lv2info']): Promise<boolean> {
  const missing = hosts.filter((c) => !onPath(c));
  const why = (await build()) ?? (missing.length > 0 ? `missing ${missing.join(', ')} (Debian: apt-get install lilv-utils)` : null);
  if (why) skipOrFail(t, why);
  return why === null;
}

async function engine(): Promise<EarshotServer> {
  server ??= await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
  return server;
}

function pluginEnv(url: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, LV2_PATH: BUILD, EARSHOT_URL: url, ...extra };
}

/**
 * A mono float32 WAV of test music; returns its path and its samples. Float, because lv2apply's
 * libsndfile is not the identity on 16-bit files: it reads s/32768 but writes round(x·32767), so samples
 * above 0.5 come back 1 LSB lower (measured: 73 of 352,800 samples of an 8-s clip) whatever the plugin does.
 */
function writeWav(name: string, seconds: number, seed: number): { file: string; samples: Float32Array } {
  const wav = makeWav({ encoding: 'f32', channels: 1, sampleRateHz: RATE, values: testAudio(seconds, seed, RATE) });
  const file = path.join(tmp, name);
  fs.writeFileSync(file, wav);
  return { file, samples: parseWav(wav).interleaved };
}

function assertSameAudio(outFile: string, samples: Float32Array): void {
  const out = parseWav(fs.readFileSync(outFile));
  assert.equal(out.sampleRateHz, RATE);
  assert.equal(out.channels, 1);
  assert.equal(out.format.encoding, 'f32');
  assert.equal(out.frames, samples.length);
  let diffs = 0;
  for (let i = 0; i < samples.length; i++) if (out.interleaved[i] !== samples[i]) diffs++;
  assert.equal(diffs, 0, `${diffs} of ${samples.length} samples changed on the way through the plugin`);
}

interface LoggedFinal {
  windows: number;
  tags: { tag: string; p: number }[];
  ids: string[];
  line: string;
}

/** The plugin's log line for the final event (format_event_line in src/events.cc). */
function loggedFinal(log: string): LoggedFinal | null {
  const m = /^earshot: final windows=(\d+) t_end=[\d.]+s(?: dropped=\d+)? tags:(.*?) \| suggestions:(.*?)(?: \| top: .*)?$/m.exec(log);
  if (!m) return null;
  const pairs = (s: string): [string, number][] =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0)
      .map((x) => [x.slice(0, x.lastIndexOf(' ')), Number(x.slice(x.lastIndexOf(' ') + 1))]);
  return { windows: Number(m[1]), tags: pairs(m[2]).map(([tag, p]) => ({ tag, p })), ids: pairs(m[3]).map(([id]) => id), line: m[0] };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

test('make check: SHA-1, base64, the RFC 6455 handshake and frames, JSON, the SPSC ring (socket-free unit tests)', async (t) => {
  if (!(await pluginOrSkip(t, []))) return;
  const r = await runAsync('make', ['-s', '-C', LV2_DIR, `BUILD=${BUILD}`, `CHECK_DIR=${path.join(tmp, 'check')}`, 'check'], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /\d+ checks, 0 failed/);
});

test('the bundle is valid Turtle (sord_validate) and lilv lists the plugin with its ports (lv2ls, lv2info)', async (t) => {
  if (!(await pluginOrSkip(t))) return;
  const env = pluginEnv('ws://127.0.0.1:1/v1/stream');
  const ls = await runAsync('lv2ls', [], { env });
  assert.equal(ls.code, 0);
  assert.ok(ls.stdout.split('\n').includes(URI), ls.stdout);
  assert.equal(ls.stderr, '', 'lilv complained about something on LV2_PATH');
  const info = await runAsync('lv2info', [URI], { env });
  assert.equal(info.code, 0);
  for (const sym of ['in', 'out', 'enabled', 'hop', 'connected', 'windows', 'top_tag_p', 'top_score', 'dropped_s']) assert.match(info.stdout, new RegExp(`Symbol:\\s+${sym}\\n`));
  assert.match(info.stdout, /Optional Features:[\s\S]*ext\/log#log/);
  if (!onPath('sord_validate')) return skipOrFail(t, 'sord_validate missing (apt-get install sordi): Turtle not validated');
  const v = await runAsync('make', ['-s', '-C', LV2_DIR, `BUILD=${BUILD}`, 'validate']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout + v.stderr, /Found 0 errors/);
});

test('lv2apply: audio passes through sample for sample, the engine predicts the streamed file, the final event reaches the log', async (t) => {
  if (!(await pluginOrSkip(t))) return;
  const srv = await engine();
  const { file, samples } = writeWav('music.wav', 8, 5);
  const offline = await srv.engine.analyze(samples, RATE, { hopS: 1 });
  const windowsBefore = srv.engine.stats.windowsTotal;

  const out = path.join(tmp, 'music-out.wav');
  const r = await runAsync('lv2apply', ['-i', file, '-o', out, URI], { env: pluginEnv(`${srv.url.replace(/^http/, 'ws')}/v1/stream`) });
  t.diagnostic(`lv2apply took ${r.ms.toFixed(0)} ms; ${r.stderr.split('\n').filter((l) => /stopped:/.test(l))[0] ?? ''}`);
  assert.equal(r.code, 0, r.stderr);
  assertSameAudio(out, samples);

  // 8 s at 44.1 kHz, hop 1 s: the engine predicted the same windows as offline analysis (6 here).
  assert.equal(srv.engine.stats.windowsTotal - windowsBefore, offline.windows, r.stderr);
  assert.ok(offline.windows >= 5 && offline.windows <= 8, `${offline.windows} windows`);
  assert.match(r.stderr, /^earshot: connected to ws:\/\/.*sample_rate=44100&channels=1/m);
  assert.match(r.stderr, /^earshot: window seq=0 windows=1 /m);
  assert.match(r.stderr, /\(0 samples\) dropped by ring overflow/);
  const fin = loggedFinal(r.stderr);
  assert.ok(fin, `no final event in the plugin's log:\n${r.stderr}`);
  t.diagnostic(fin.line);
  t.diagnostic(`offline analysis: ${offline.windows} windows, suggestions ${offline.suggestions.map((x) => x.id).join(',')}`);
  assert.equal(fin.windows, offline.windows);
  // Same audio, same windows: the same tags (3 decimals in the log) and suggestions as offline analysis.
  assert.deepEqual(fin.tags.map((x) => x.tag), offline.tags.map((x) => x.tag));
  fin.tags.forEach((x, i) => assert.ok(Math.abs(x.p - offline.tags[i].p) <= 6e-4, `${x.tag}: ${x.p} vs ${offline.tags[i].p}`));
  const ids = offline.suggestions.map((s) => s.id);
  assert.equal(fin.ids[0], ids[0], `top suggestion: plugin ${fin.ids.join(',')} vs offline ${ids.join(',')}`);
  const shared = fin.ids.filter((id) => ids.includes(id)).length;
  assert.ok(shared >= ids.length - 2, `only ${shared} of ${ids.length} suggestions shared: ${fin.ids.join(',')} vs ${ids.join(',')}`);
  // The plugin closed its stream on cleanup.
  assert.ok(await waitFor(() => srv.connections.size === 0, 3000), 'the stream is still open');
});

test('a host with log:log and urid:map (test/host_sim.cc): two activations are two tracks; run() never allocates or locks', async (t) => {
  if (!(await pluginOrSkip(t, []))) return;
  const check = path.join(tmp, 'check');
  const b = await runAsync('make', ['-s', '-C', LV2_DIR, `BUILD=${BUILD}`, `CHECK_DIR=${check}`, 'host-sim'], { timeoutMs: 120_000 });
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const srv = await engine();
  const perTrack = (await srv.engine.analyze(testAudio(4, 1, RATE), RATE, { hopS: 1 })).windows;
  const before = srv.engine.stats.windowsTotal;
  const r = await runAsync(path.join(check, 'host_sim'), [path.join(BUILD, 'earshot.lv2'), '2', '4'], {
    env: { ...process.env, EARSHOT_URL: `${srv.url.replace(/^http/, 'ws')}/v1/stream`, EARSHOT_LOG: 'final' },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // The plugin logs through the host's log:log, typed with the URIDs the host mapped.
  assert.match(r.stdout, /^host-log Note: earshot: instantiated at 44100 Hz.*log to the host\)$/m);
  const finals = r.stdout.split('\n').filter((l) => l.startsWith('host-log Note: earshot: final '));
  assert.equal(finals.length, 2, r.stdout);
  // deactivate() ended each track with finalize, activate() began the next with reset: each final
  // covers its own 4 s (the running mean restarted), and the engine predicted both tracks' windows.
  for (const f of finals) assert.match(f, new RegExp(`final windows=${perTrack} t_end=4\\.0\\d+s `));
  assert.equal(srv.engine.stats.windowsTotal - before, 2 * perTrack);
  const run = /^run: (\d+) blocks, ([\d.]+) us\/block, ([\d.]+) us max, allocations=(\d+), locks=(\d+), passthrough=(\w+) \(mallocs seen in all threads: (\d+)\)$/m.exec(r.stdout);
  assert.ok(run, r.stdout);
  t.diagnostic(`run(): ${run[1]} blocks of 256 frames, ${run[2]} us mean, ${run[3]} us max`);
  assert.equal(run[6], 'ok', 'audio changed on the way through');
  assert.equal(Number(run[4]), 0, 'run() allocated or freed memory');
  assert.equal(Number(run[5]), 0, 'run() locked a mutex');
  assert.ok(Number(run[7]) > 0, 'the malloc interposition saw nothing: the zero above proves nothing');
});

test('lv2apply with the enabled port off: audio passes through and nothing is sent', async (t) => {
  if (!(await pluginOrSkip(t))) return;
  const srv = await engine();
  const { file, samples } = writeWav('off.wav', 4, 6);
  const before = srv.engine.stats.windowsTotal;
  const out = path.join(tmp, 'off-out.wav');
  const r = await runAsync('lv2apply', ['-c', 'enabled', '0', '-i', file, '-o', out, URI], { env: pluginEnv(`${srv.url.replace(/^http/, 'ws')}/v1/stream`) });
  assert.equal(r.code, 0, r.stderr);
  assertSameAudio(out, samples);
  assert.equal(srv.engine.stats.windowsTotal, before);
  assert.match(r.stderr, /stopped: sent 0\.00 s of audio in 0 frames/);
});

test('lv2apply with no engine listening: audio still passes through unchanged and the host exits at once', async (t) => {
  if (!(await pluginOrSkip(t))) return;
  const { file, samples } = writeWav('alone.wav', 8, 7);
  const out = path.join(tmp, 'alone-out.wav');
  const r = await runAsync('lv2apply', ['-i', file, '-o', out, URI], { env: pluginEnv(`ws://127.0.0.1:${await freePort()}/v1/stream`), timeoutMs: 20_000 });
  t.diagnostic(`lv2apply took ${r.ms.toFixed(0)} ms without an engine`);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.ms < 5000, `${r.ms} ms`);
  assertSameAudio(out, samples);
  assert.match(r.stderr, /cannot reach the engine at .*Connection refused/);
});

/** A scripted protocol-v1 server built on `ws` (which fails unmasked client frames and bad UTF-8 itself). */
async function scriptedServer(onConnection: (ws: WebSocket, req: IncomingMessage, n: number) => void): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let n = 0;
  wss.on('connection', (ws, req) => onConnection(ws, req, n++));
  return { wss, url: `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/v1/stream?k=3` };
}

function begin(ws: WebSocket): void {
  ws.send(JSON.stringify({ type: 'begin', protocol: 1, id: 'scripted', model: 'scripted', factors: 2, items: 1, window_s: 3, hop_s: 0.5, sample_rate: RATE, encoding: 'pcm_f32le', channels: 1, k: 3 }));
}

test('protocol: query, Bearer token, masked pcm_f32le frames, pong, a fragmented final event, the close handshake', async (t) => {
  if (!(await pluginOrSkip(t))) return;
  const got = { url: '', auth: '', audio: [] as Buffer[], texts: [] as string[], pong: '', closeCode: 0 };
  const { wss, url } = await scriptedServer((ws, req) => {
    got.url = req.url ?? '';
    got.auth = req.headers.authorization ?? '';
    ws.on('pong', (d) => (got.pong = d.toString()));
    ws.on('close', (code) => (got.closeCode = code));
    begin(ws);
    ws.ping('still there?');
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void got.audio.push(data as Buffer);
      const m = JSON.parse(data.toString()) as { type: string };
      got.texts.push(m.type);
      if (m.type !== 'finalize') return;
      // The final event in three frames (text + 2 continuations), with \u escapes in a title.
      const fin =
        '{"type":"final","seq":4,"t_start":0,"t_end":3,"windows":3,"dropped":0,' +
        '"suggestions":[{"id":"SO-A","title":"Caf\\u00e9 \\ud83c\\udfb5","artist":"Ensemble","score":0.75},{"id":"SO-B","title":"B","artist":"b","score":0.5}],' +
        '"tags":[{"tag":"chiptune","p":0.97},{"tag":"calm","p":0.125}]}';
      ws.send(fin.slice(0, 40), { binary: false, fin: false });
      ws.send(fin.slice(40, 90), { binary: false, fin: false });
      ws.send(fin.slice(90), { binary: false, fin: true });
    });
  });
  try {
    const { file, samples } = writeWav('proto.wav', 3, 8);
    const out = path.join(tmp, 'proto-out.wav');
    const r = await runAsync('lv2apply', ['-c', 'hop', '0.5', '-i', file, '-o', out, URI], { env: pluginEnv(url, { EARSHOT_TOKEN: 's3cret' }) });
    assert.equal(r.code, 0, r.stderr);
    assertSameAudio(out, samples);
    const q = new URL(got.url, 'http://x').searchParams;
    assert.deepEqual([q.get('k'), q.get('encoding'), q.get('sample_rate'), q.get('channels'), q.get('hop'), q.get('overflow')], ['3', 'pcm_f32le', '44100', '1', '0.5', 'block']);
    assert.equal(got.auth, 'Bearer s3cret');
    // Every sample arrived, as little-endian float32, in order; frames of 50 ms … 1 s.
    const sent = Buffer.concat(got.audio);
    assert.ok(sent.equals(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)), `sent ${sent.length} bytes for ${samples.length} samples`);
    assert.ok(got.audio.every((b) => b.length <= RATE * 4), 'a frame over 1 s');
    assert.deepEqual(got.texts, ['finalize']);
    assert.equal(got.pong, 'still there?');
    assert.ok(await waitFor(() => got.closeCode !== 0, 2000));
    assert.equal(got.closeCode, 1000);
    const fin = loggedFinal(r.stderr);
    assert.ok(fin, r.stderr);
    assert.deepEqual(fin.tags, [{ tag: 'chiptune', p: 0.97 }, { tag: 'calm', p: 0.125 }]);
    assert.deepEqual(fin.ids, ['SO-A', 'SO-B']);
    assert.match(fin.line, /top: Ensemble - Café 🎵$/);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('ring overflow is counted, logged and reported, never silent: an engine that stops reading while lv2apply renders', async (t) => {
  if (!(await pluginOrSkip(t))) return;
  let received = 0;
  const { wss, url } = await scriptedServer((ws, req) => {
    begin(ws);
    // Stop reading for 4 s: TCP buffers fill up, the worker's send waits (it gives up after 5 s), and the
    // 1.5-s ring overflows while lv2apply renders on at ~20x realtime.
    req.socket.pause();
    setTimeout(() => req.socket.resume(), 4000);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void (received += (data as Buffer).length / 4);
      if ((JSON.parse(data.toString()) as { type: string }).type === 'finalize') {
        ws.send(JSON.stringify({ type: 'final', seq: 1, t_start: 0, t_end: 1, windows: 1, dropped: 0, suggestions: [], tags: [] }));
      }
    });
  });
  try {
    const { file, samples } = writeWav('overflow.wav', 60, 9);
    const out = path.join(tmp, 'overflow-out.wav');
    const r = await runAsync('lv2apply', ['-i', file, '-o', out, URI], { env: pluginEnv(url, { EARSHOT_RING_S: '1', EARSHOT_LOG: 'final' }) });
    assert.equal(r.code, 0, r.stderr);
    assertSameAudio(out, samples);
    const m = /\((\d+) samples\) dropped by ring overflow/.exec(r.stderr);
    assert.ok(m, r.stderr);
    const dropped = Number(m[1]);
    t.diagnostic(`lv2apply ${(r.ms / 1000).toFixed(1)} s for 60 s of audio; engine got ${(received / RATE).toFixed(2)} s, ring dropped ${(dropped / RATE).toFixed(2)} s`);
    assert.ok(dropped > 0, 'nothing dropped: the test did not overflow the ring');
    assert.match(r.stderr, /warning: ring overflow: [\d.]+ s of audio dropped so far/);
    assert.equal(received + dropped, samples.length, 'every sample was either sent or counted as dropped');
    assert.match(r.stderr, /^earshot: final windows=1 /m);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});

// Realtime: jackd with its dummy driver (no sound card) and jalv, JACK's reference LV2 host.

let jack: Promise<string | null> | null = null;
const JACK_NAME = `earshot-test-${process.pid}`;
/** Starts a private jackd once; resolves to a reason when jackd/jalv are missing. */
function jackServer(): Promise<string | null> {
  jack ??= (async () => {
    const missing = ['jackd', 'jack_wait', 'jalv'].filter((c) => !onPath(c));
    if (missing.length > 0) return `missing ${missing.join(', ')} (Debian: apt-get install jackd2 jalv): realtime tests not run`;
    const d = spawn('jackd', ['-n', JACK_NAME, '--no-realtime', '-d', 'dummy', '-r', String(RATE), '-p', '256'], { stdio: 'ignore' });
    jackd = d;
    children.add(d);
    d.on('exit', () => children.delete(d));
    const w = await runAsync('jack_wait', ['-s', JACK_NAME, '-w', '-t', '10'], { timeoutMs: 15_000 }); // jackd2 ships jack_wait
    return w.code === 0 ? null : `jackd did not start: ${w.stdout}${w.stderr}`;
  })();
  return jack;
}

/** jalv for `seconds`, then its "monitors" command (prints the control output ports), then EOF. */
function jalv(url: string, seconds: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runAsync('jalv', ['-n', 'earshot-tap', URI], {
    env: pluginEnv(url, { JACK_DEFAULT_SERVER: JACK_NAME, JACK_NO_START_SERVER: '1', ...extraEnv }),
    timeoutMs: (seconds + 20) * 1000,
    input: (c) => {
      setTimeout(() => c.stdin!.write('monitors\n'), seconds * 1000);
      setTimeout(() => c.stdin!.end(), seconds * 1000 + 500);
    },
  });
}

function monitor(stdout: string, symbol: string): number {
  const m = new RegExp(`^(?:> )?${symbol} = ([-\\d.]+)$`, 'm').exec(stdout);
  assert.ok(m, `no ${symbol} in jalv's output:\n${stdout}`);
  return Number(m[1]);
}

test('realtime (jackd dummy + jalv): the engine hears the live stream; output ports and the host log report it', async (t) => {
  if (!(await pluginOrSkip(t, []))) return; // jalv is the host here
  const why = await jackServer();
  if (why) return skipOrFail(t, why);
  const srv = await engine();
  const before = srv.engine.stats.windowsTotal;
  const r = await jalv(`${srv.url.replace(/^http/, 'ws')}/v1/stream`, 6);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // jalv gives the plugin log:log and urid:map: the lines reach jalv's log (stderr) through the host.
  assert.match(r.stderr, /earshot: instantiated at 44100 Hz.*log to the host/);
  assert.equal(monitor(r.stdout, 'connected'), 1);
  const windows = monitor(r.stdout, 'windows');
  assert.ok(windows >= 1, `${windows} events by 6 s`);
  assert.ok(monitor(r.stdout, 'top_tag_p') > 0);
  assert.equal(monitor(r.stdout, 'dropped_s'), 0);
  const fin = loggedFinal(r.stderr.replace(/\x1b\[[0-9;]*m/g, ''));
  assert.ok(fin, r.stderr);
  const predicted = srv.engine.stats.windowsTotal - before;
  t.diagnostic(`${predicted} windows predicted from ~6.5 s of live audio; ports at 6 s: windows=${windows}`);
  assert.equal(fin.windows, predicted);
  assert.ok(predicted >= 3, `${predicted} windows`);
});

test('realtime: after the engine drops the stream the plugin reconnects and streams on; cleanup waits for a final event at most EARSHOT_FINAL_WAIT_MS', async (t) => {
  if (!(await pluginOrSkip(t, []))) return; // jalv is the host here
  const why = await jackServer();
  if (why) return skipOrFail(t, why);
  const bytes: number[] = [];
  const { wss, url } = await scriptedServer((ws, _req, n) => {
    bytes[n] = 0;
    begin(ws);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      bytes[n] += (data as Buffer).length;
      // The first stream is dropped after 1 s of audio, as an engine restart would (1001 going away).
      if (n === 0 && bytes[0] >= RATE * 4 && ws.readyState === ws.OPEN) ws.close(1001, 'shutting_down');
    });
  });
  try {
    // This server never answers finalize: cleanup gives up after EARSHOT_FINAL_WAIT_MS.
    const r = await jalv(url, 4, { EARSHOT_FINAL_WAIT_MS: '1000' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    t.diagnostic(`jalv ran ${(r.ms / 1000).toFixed(1)} s for 4.5 s of stdin; streams got ${bytes.map((b) => (b / 4 / RATE).toFixed(2)).join(' s, ')} s`);
    assert.match(r.stderr, /no final event within 1000 ms/);
    assert.ok(r.ms < 4500 + 1000 + 3000, `${r.ms} ms`);
    assert.equal(bytes.length, 2, `${bytes.length} connections; log:\n${r.stderr}`);
    assert.ok(bytes[1] >= RATE * 4, `the second stream got ${bytes[1] / 4 / RATE} s of audio`);
    assert.match(r.stderr, /stream closed \(1001: shutting_down\); reconnecting/);
    assert.equal(monitor(r.stdout, 'connected'), 1);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});
