// The LV2 plugin (plugin-host/lv2) run offline by real LV2 hosts against the real engine in this process:
// `make check` (socket-free unit tests), lilv sees a valid bundle, lilv's lv2apply renders a WAV file
// through it (audio must come out sample for sample; the engine must predict the windows of the streamed
// audio, and the plugin's log must carry the final event, whose tags and suggestions must be those of
// offline analysis of the same samples), a minimal host (test/host_sim.cc) checks log:log and run()'s
// realtime safety; with the enabled port off or no engine listening audio must still pass through.
// The protocol against a scripted server is in plugin-lv2-protocol.test.ts, realtime (jackd + jalv) in
// plugin-lv2-realtime.test.ts. Skips visibly when make, g++, lv2apply or the LV2 headers are missing;
// EARSHOT_REQUIRE_HOSTS=1 (CI) fails instead.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { testAudio } from '../../helpers/engine-client';
import { freePort, which } from '../../helpers/hosts';
import { assertSameAudio, loggedFinal, Lv2Rig, RATE, skipOrFail, URI, waitFor } from '../../helpers/lv2';

const lv2 = new Lv2Rig();
after(() => lv2.cleanup());

test('make check: SHA-1, base64, the RFC 6455 handshake and frames, JSON, the SPSC ring (socket-free unit tests)', async (t) => {
  if (!(await lv2.pluginOrSkip(t, []))) return;
  const r = await lv2.make('check', 180_000);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /\d+ checks, 0 failed/);
});

test('the bundle is valid Turtle (sord_validate) and lilv lists the plugin with its ports (lv2ls, lv2info)', async (t) => {
  if (!(await lv2.pluginOrSkip(t))) return;
  const env = lv2.env('ws://127.0.0.1:1/v1/stream');
  const ls = await lv2.run('lv2ls', [], { env });
  assert.equal(ls.code, 0);
  assert.ok(ls.stdout.split('\n').includes(URI), ls.stdout);
  assert.equal(ls.stderr, '', 'lilv complained about something on LV2_PATH');
  const info = await lv2.run('lv2info', [URI], { env });
  assert.equal(info.code, 0);
  for (const sym of ['in', 'out', 'enabled', 'hop', 'connected', 'windows', 'top_tag_p', 'top_score', 'dropped_s']) assert.match(info.stdout, new RegExp(`Symbol:\\s+${sym}\\n`));
  assert.match(info.stdout, /Optional Features:[\s\S]*ext\/log#log/);
  if (which('sord_validate') === null) return skipOrFail(t, 'sord_validate missing (apt-get install sordi): Turtle not validated');
  const v = await lv2.make('validate');
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout + v.stderr, /Found 0 errors/);
});

test('lv2apply: audio passes through sample for sample, the engine predicts the streamed file, the final event reaches the log', async (t) => {
  if (!(await lv2.pluginOrSkip(t))) return;
  const srv = await lv2.engine();
  const { file, samples } = lv2.writeWav('music.wav', 8, 5);
  const offline = await srv.engine.analyze(samples, RATE, { hopS: 1 });
  const windowsBefore = srv.engine.stats.windowsTotal;

  const out = path.join(lv2.tmp, 'music-out.wav');
  const r = await lv2.run('lv2apply', ['-i', file, '-o', out, URI], { env: lv2.env(`${srv.url.replace(/^http/, 'ws')}/v1/stream`) });
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
  if (!(await lv2.pluginOrSkip(t, []))) return;
  const b = await lv2.make('host-sim', 120_000);
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const srv = await lv2.engine();
  const perTrack = (await srv.engine.analyze(testAudio(4, 1, RATE), RATE, { hopS: 1 })).windows;
  const before = srv.engine.stats.windowsTotal;
  const r = await lv2.run(path.join(lv2.check, 'host_sim'), [path.join(lv2.build, 'earshot.lv2'), '2', '4'], {
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
  if (!(await lv2.pluginOrSkip(t))) return;
  const srv = await lv2.engine();
  const { file, samples } = lv2.writeWav('off.wav', 4, 6);
  const before = srv.engine.stats.windowsTotal;
  const out = path.join(lv2.tmp, 'off-out.wav');
  const r = await lv2.run('lv2apply', ['-c', 'enabled', '0', '-i', file, '-o', out, URI], { env: lv2.env(`${srv.url.replace(/^http/, 'ws')}/v1/stream`) });
  assert.equal(r.code, 0, r.stderr);
  assertSameAudio(out, samples);
  assert.equal(srv.engine.stats.windowsTotal, before);
  assert.match(r.stderr, /stopped: sent 0\.00 s of audio in 0 frames/);
});

test('lv2apply with no engine listening: audio still passes through unchanged and the host exits at once', async (t) => {
  if (!(await lv2.pluginOrSkip(t))) return;
  const { file, samples } = lv2.writeWav('alone.wav', 8, 7);
  const out = path.join(lv2.tmp, 'alone-out.wav');
  const r = await lv2.run('lv2apply', ['-i', file, '-o', out, URI], { env: lv2.env(`ws://127.0.0.1:${await freePort()}/v1/stream`), timeoutMs: 20_000 });
  t.diagnostic(`lv2apply took ${r.ms.toFixed(0)} ms without an engine`);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.ms < 5000, `${r.ms} ms`);
  assertSameAudio(out, samples);
  assert.match(r.stderr, /cannot reach the engine at .*Connection refused/);
});
