// `earshot stream` end to end: against the real engine (startServer with models/default) and against the
// fake Protocol v1 server (output format, realtime pacing, --follow). The CLI runs as a child process,
// exactly as a user runs it; the servers run in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadAudio } from '../../src/audio/load';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import { startFakeServer } from '../helpers/fake-stream-server';
import { freePort } from '../helpers/hosts';
import { distPath, repoRoot, sharedOrSkip } from '../helpers/shared';

const CLI = distPath('src', 'cli', 'earshot.js');
const BUNDLE = path.join(repoRoot(), 'models', 'default');
const SERVER_MODULE = distPath('src', 'server', 'server.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-stream-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'stream', ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** A tone with a little noise and a beat, `seconds` long, as 16-bit WAV at `rate` (44.1 kHz: the CLI resamples). */
function writeWav(name: string, seconds: number, rate = 44100): string {
  const x = new Float32Array(Math.round(seconds * rate));
  let seed = 1;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const beat = (i % Math.round(rate / 2)) < rate / 50 ? 0.3 : 0;
    x[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate) + 0.05 * (seed / 2 ** 32 - 0.5) + beat;
  }
  const p = path.join(tmp, name);
  fs.writeFileSync(p, encodeWavPcm16(x, rate));
  return p;
}

function jsonLines(stdout: string): { type: string; ts: string; [k: string]: unknown }[] {
  return stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

test('earshot stream --fast --jsonl against the real engine: windows with increasing t_end, then final; exit 0', async (t) => {
  if (!fs.existsSync(SERVER_MODULE)) return t.skip('src/server/server.ts is not built yet (the engine server is in progress)');
  const { startServer } = (await import(SERVER_MODULE)) as typeof import('../../src/server/server');
  const server = await startServer({ bundleDir: BUNDLE, host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  const wav = writeWav('eight-seconds.wav', 8);
  const r = await runCli([wav, '--server', server.url.replace(/^http/, 'ws'), '--fast', '--jsonl', '--hop', '1', '--k', '3', '--tags', '2']);
  assert.equal(r.code, 0, r.stderr);
  const events = jsonLines(r.stdout);
  assert.equal(events[0].type, 'begin');
  for (const e of events) assert.ok(!Number.isNaN(Date.parse(e.ts)), `ts ${e.ts}`);
  const windows = events.filter((e) => e.type === 'window') as unknown as { t_end: number; suggestions: unknown[]; tags: unknown[] }[];
  assert.ok(windows.length >= 4, `${windows.length} windows from 8 s at hop 1 s`);
  for (let i = 1; i < windows.length; i++) assert.ok(windows[i].t_end > windows[i - 1].t_end, `t_end ${windows[i - 1].t_end} then ${windows[i].t_end}`);
  assert.equal(windows[0].suggestions.length, 3);
  assert.equal(windows[0].tags.length, 2);
  const final = events.filter((e) => e.type === 'final');
  assert.equal(final.length, 1);
  assert.equal(events.at(-1)!.type, 'final');
  assert.ok((final[0].t_end as number) >= windows.at(-1)!.t_end);
  assert.equal(final[0].dropped, 0, 'overflow=block drops no window');
});

test('earshot stream --token / $EARSHOT_TOKEN against a real engine that requires one; a missing token is exit 1', async (t) => {
  if (!fs.existsSync(SERVER_MODULE)) return t.skip('src/server/server.ts is not built yet (the engine server is in progress)');
  const { startServer } = (await import(SERVER_MODULE)) as typeof import('../../src/server/server');
  const server = await startServer({ bundleDir: BUNDLE, host: '127.0.0.1', port: 0, tokens: ['s3cret'] });
  t.after(() => server.close());
  const wav = writeWav('four-seconds.wav', 4);
  const ws = server.url.replace(/^http/, 'ws');
  const refused = await runCli([wav, '--server', ws, '--fast'], { EARSHOT_TOKEN: '' });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^earshot stream: the earshot server at ws:\/\/\S+ refused the stream: unauthorized: .*\(close 4401\) \[ERR_IO\]\n$/);
  const viaEnv = await runCli([wav, '--server', ws, '--fast', '--jsonl'], { EARSHOT_TOKEN: 's3cret' });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.equal(jsonLines(viaEnv.stdout).at(-1)!.type, 'final');
  const viaFlag = await runCli([wav, '--server', ws, '--fast', '--token', 's3cret']);
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  assert.match(viaFlag.stdout, /^final /m);
});

test('earshot stream prints one readable line per window and the final event (text mode)', async (t) => {
  const server = await startFakeServer();
  t.after(() => server.close());
  const r = await runCli([writeWav('five-seconds.wav', 5), '--server', server.url, '--fast', '--hop', '1']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^0\.0–3\.0 s {2}tags: rock 0\.91, energetic 0\.80 \| next: Artist – Title \(0\.83\), Band – Other \(0\.50\)$/);
  assert.equal(lines.length, 4, r.stdout); // windows ending at 3, 4, 5 s and the final
  assert.match(lines.at(-1)!, /^final .*5\.0 s .*\(\d+ windows\)$/);
  assert.match(r.stderr, /connected to ws:\/\/127\.0\.0\.1:\d+\/v1\/stream: model fake/);
  const conn = server.connections[0];
  assert.equal(conn.params.overflow, 'block');
  assert.equal(conn.params.sampleRateHz, 22050);
  assert.equal(conn.binaryBytes, 5 * 22050 * 4);
});

test('earshot stream without --fast paces the audio by the wall clock (50 ms frames)', async (t) => {
  const server = await startFakeServer();
  t.after(() => server.close());
  const r = await runCli([writeWav('one-second.wav', 1.2), '--server', server.url, '--jsonl']);
  assert.equal(r.code, 0, r.stderr);
  const conn = server.connections[0];
  assert.equal(conn.params.overflow, 'drop');
  assert.ok(conn.binaryFrames >= 20 && conn.binaryFrames <= 26, `${conn.binaryFrames} frames for 1.2 s`);
  const events = jsonLines(r.stdout);
  const begin = Date.parse(events[0].ts);
  const final = Date.parse(events.at(-1)!.ts);
  assert.ok(final - begin >= 1000, `1.2 s of audio streamed in ${final - begin} ms`);
});

test('earshot stream --fast: the server drops the connection mid-file (1011); the CLI reconnects, sends the rest, exits 0', async (t) => {
  let connections = 0;
  const server = await startFakeServer({
    onConnection: (c) => {
      if (connections++ === 0) {
        const poll = setInterval(() => {
          if (c.binaryBytes < 3 * 22050 * 4) return;
          clearInterval(poll);
          c.ws.close(1011, 'engine restart');
        }, 2);
      }
    },
  });
  t.after(() => server.close());
  const r = await runCli([writeWav('ten-seconds.wav', 10), '--server', server.url, '--fast', '--jsonl']);
  assert.equal(r.code, 0, r.stderr);
  const events = jsonLines(r.stdout);
  const reconnect = events.find((e) => e.type === 'reconnect');
  assert.ok(reconnect, 'reconnect reported');
  assert.equal(reconnect.code, 1011);
  assert.equal(events.filter((e) => e.type === 'begin').length, 2);
  assert.equal(events.at(-1)!.type, 'final');
  assert.equal(server.connections.length, 2);
  // The new stream first gets the latest audio again (the SDK's replay: the fake server's 3-s window
  // + 0.5 s, of the ≥ 3 s sent before the drop), then everything sent after the reconnect.
  const replayBytes = 3.5 * 22050 * 4;
  assert.ok(server.connections[1].binaryBytes >= 3 * 22050 * 4);
  assert.ok(server.connections[0].binaryBytes + server.connections[1].binaryBytes <= 10 * 22050 * 4 + replayBytes);
});

test('earshot stream: an unreadable file is one line with a code, exit 1, before contacting any server', async () => {
  const bad = path.join(tmp, 'notes.wav');
  fs.writeFileSync(bad, 'these are not audio samples, just text that is long enough to sniff');
  const port = await freePort();
  const r = await runCli([bad, '--server', `ws://127.0.0.1:${port}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^earshot stream: .*\[ERR_(AUDIO_FORMAT|DECODER_FAILED)\]\n$/);
  assert.doesNotMatch(r.stderr, /ECONNREFUSED|\n\s+at /);
});

test('earshot stream: server unreachable is one clear line with the code, exit 1', async () => {
  const port = await freePort();
  const r = await runCli([writeWav('short.wav', 1), '--server', `ws://127.0.0.1:${port}`]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `earshot stream: cannot connect to the earshot server at ws://127.0.0.1:${port}: ECONNREFUSED (is \`earshot serve\` running there?) [ERR_IO]\n`);
});

test('earshot stream: bad options are usage errors (exit 2)', async () => {
  const wav = writeWav('usage.wav', 0.5);
  const follow = await runCli([wav, '--follow']);
  assert.equal(follow.code, 2);
  assert.match(follow.stderr, /--follow needs an http\(s\) URL/);
  const hop = await runCli([wav, '--hop', '0.001']);
  assert.equal(hop.code, 2);
  assert.match(hop.stderr, /hop/);
});

test('earshot stream --follow: a radio mount that drops is reconnected (reset sent); Ctrl-C finalizes and exits 0', async (t) => {
  const server = await startFakeServer();
  t.after(() => server.close());
  // An "Icecast mount" that serves 1 s of WAV and then ends the response, every time.
  const wav = fs.readFileSync(writeWav('radio.wav', 1, 22050));
  let requests = 0;
  const radio = http.createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'audio/wav' });
    res.end(wav);
  });
  await new Promise<void>((r) => radio.listen(0, '127.0.0.1', r));
  t.after(() => radio.close());
  const url = `http://127.0.0.1:${(radio.address() as net.AddressInfo).port}/stream`;

  const child = spawn(process.execPath, [CLI, 'stream', url, '--follow', '--jsonl', '--server', server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));

  const conn = await server.connection(0);
  await Promise.race([conn.next('reset'), exited.then(() => assert.fail(`exited early: ${stderr}`))]);
  assert.ok(requests >= 2, `${requests} requests to the mount`);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 0, stderr);
  const events = jsonLines(stdout);
  assert.ok(events.some((e) => e.type === 'source_reconnect'), 'source_reconnect reported');
  assert.equal(events.at(-1)!.type, 'final');
});

test('earshot stream --segment auto --jsonl: two real clips back to back give one track_change line near the join; text mode says it too', async (t) => {
  const dir = sharedOrSkip(t, 'data/audio');
  if (!dir || !fs.existsSync(SERVER_MODULE)) return;
  const { startServer } = (await import(SERVER_MODULE)) as typeof import('../../src/server/server');
  const server = await startServer({ bundleDir: BUNDLE, host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  const a = (await loadAudio(path.join(dir, 'megaglest-indian.ogg'), { sampleRateHz: 22050 })).samples;
  const b = (await loadAudio(path.join(dir, 'fretsonfire-armygeddon.ogg'), { sampleRateHz: 22050 })).samples;
  const x = new Float32Array(a.length + b.length);
  x.set(a);
  x.set(b, a.length);
  const wav = path.join(tmp, 'two-clips.wav');
  fs.writeFileSync(wav, encodeWavPcm16(x, 22050));
  const ws = server.url.replace(/^http/, 'ws');
  const r = await runCli([wav, '--server', ws, '--fast', '--jsonl', '--segment', 'auto', '--mean', 'decay', '--mean-s', '10']);
  assert.equal(r.code, 0, r.stderr);
  const events = jsonLines(r.stdout);
  assert.deepEqual([events[0].mean, events[0].mean_s, events[0].segment], ['decay', 10, 'auto'], 'begin says what the stream does');
  const changes = events.filter((e) => e.type === 'track_change');
  assert.equal(changes.length, 1, JSON.stringify(changes));
  assert.ok(Math.abs((changes[0].t as number) - a.length / 22050) <= 3, `change at ${changes[0].t} s, join at ${(a.length / 22050).toFixed(2)} s`);
  const text = await runCli([wav, '--server', ws, '--fast', '--segment', 'auto']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^track change at ${(changes[0].t as number).toFixed(1)} s \\(the average restarts there\\)$`, 'm'));
  assert.match(text.stderr, /detecting song changes/);
});

test('earshot stream: bad --mean / --mean-s / --segment are usage errors naming the flag (exit 2)', async () => {
  const wav = writeWav('usage-mean.wav', 0.5);
  for (const [args, message] of [
    [['--mean', 'median'], /--mean.*track, sliding or decay.*median/],
    [['--mean-s', '5'], /--mean-s is the length of a sliding or decay mean: it needs --mean sliding or --mean decay/],
    [['--mean', 'sliding', '--mean-s', '500'], /--mean-s.*500/],
    [['--segment', 'yes'], /--segment.*off or auto.*yes/],
  ] as const) {
    const r = await runCli([wav, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});
