// plugin-host/mpv/earshot.lua in a real, headless mpv against the in-process engine: the tags and
// suggestions it logs must be the ones the engine computes for the same file, through one /v1/analyze
// request. Skipped when mpv or curl is missing; EARSHOT_REQUIRE_HOSTS=1 (CI) makes that a failure.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAudio } from '../../../src/audio/load';
import type { AnalysisResult } from '../../../src/engine/engine';
import { startServer, type EarshotServer } from '../../../src/server/server';
import { DEFAULT_BUNDLE, testAudio } from '../../helpers/engine-client';
import { hostsOrSkip, Proc, tempDir } from '../../helpers/hosts';
import { repoRoot } from '../../helpers/shared';
import { makeWav } from '../../helpers/wav-writer';

const SCRIPT = path.join(repoRoot(), 'plugin-host', 'mpv', 'earshot.lua');
const RATE = 22050;

/** Counts the engine's whole-file analyses (what POST /v1/analyze runs) from here on. */
function countAnalyses(server: EarshotServer): { calls: number } {
  const counter = { calls: 0 };
  // Uploads are analysed by Engine.analyzeUpload (on an analysis worker thread).
  const original = server.engine.analyzeUpload.bind(server.engine);
  server.engine.analyzeUpload = (...args: Parameters<typeof original>): Promise<AnalysisResult> => {
    counter.calls++;
    return original(...args);
  };
  return counter;
}

/** Headless mpv playing `file` (paused, kept open: the script's answer comes while it is loaded). */
function mpv(t: TestContext, file: string, scriptOpts: string): Proc {
  const p = new Proc('mpv', 'mpv', [
    '--no-config', '--ao=null', '--vo=null', '--pause', '--keep-open=yes', `--script=${SCRIPT}`,
    `--script-opts=${scriptOpts}`, '--msg-level=all=info', file,
  ], { env: { ...process.env, EARSHOT_TOKEN: '' } });
  t.after(() => p.stop('SIGKILL'));
  return p;
}

const earshotLine = (re: RegExp) => (l: string): boolean => /^\[earshot\] /.test(l) && re.test(l.trim());

function clip(dir: string, name: string, seconds: number, seed: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, makeWav({ encoding: 'f32', channels: 1, sampleRateHz: RATE, values: testAudio(seconds, seed, RATE) }));
  return file;
}

test('mpv shows and logs the tags and next-track suggestions the engine computes for the playing file', { timeout: 60_000 }, async (t) => {
  if (!hostsOrSkip(t, 'mpv', 'curl')) return;
  const dir = tempDir('mpv');
  const file = clip(dir, 'my song.wav', 8, 3); // a space in the name: passed to curl unquoted, as one argument
  const server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
  t.after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const counter = countAnalyses(server);

  const player = mpv(t, file, `earshot-server=${server.url},earshot-k=4,earshot-tags=3`);
  const next = await player.waitFor(earshotLine(/^\[earshot\] next \d+: /), '4 suggestions in the log', 30_000, 4);
  const tagLine = (await player.waitFor(earshotLine(/^\[earshot\] tags: /), 'the tags line', 1000))[0];
  const summary = (await player.waitFor(earshotLine(/^\[earshot\] my song\.wav: \d+ windows/), 'the summary line', 1000))[0];

  assert.equal(counter.calls, 1, 'the script made exactly one /v1/analyze request');
  // The engine's own answer for the same audio, with /v1/analyze's defaults (one-window hop).
  const audio = await loadAudio(file, { sampleRateHz: RATE });
  const expected = await server.engine.analyze(audio.samples, RATE, { k: 4, tags: 3 });
  assert.match(summary, new RegExp(`: ${expected.windows} windows, 8\\.0 s`));

  const tags = tagLine.trim().replace(/^\[earshot\] tags: /, '').split(', ').map((s) => s.split(' '));
  assert.deepEqual(tags.map(([tag]) => tag), expected.tags.map((x) => x.tag));
  tags.forEach(([, p], i) => assert.ok(Math.abs(Number(p) - expected.tags[i].p) <= 6e-4, `${tags[i]} vs ${expected.tags[i].p}`));
  const got = next.map((l) => /next (\d+): (\S+) (.*) \(([\d.]+)\)$/.exec(l.trim())!);
  assert.deepEqual(got.map((m) => Number(m[1])), [1, 2, 3, 4]);
  assert.deepEqual(got.map((m) => m[2]), expected.suggestions.map((s) => s.id));
  got.forEach((m, i) => {
    const s = expected.suggestions[i];
    // The plugin's rule (plugin-host/mpv/README.md): "artist – title", the title alone when the song has no
    // artist, the id when it has no title.
    const title = s.title === '' ? s.id : s.title;
    assert.equal(m[3], s.artist === '' ? title : `${s.artist} – ${title}`, s.id);
    assert.ok(Math.abs(Number(m[4]) - s.score) <= 6e-4);
  });
});

test('mpv: a token-protected engine answers with the right token; a wrong one is reported, not fatal', { timeout: 60_000 }, async (t) => {
  if (!hostsOrSkip(t, 'mpv', 'curl')) return;
  const dir = tempDir('mpv-auth');
  const file = clip(dir, 'track.wav', 4, 9);
  const server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false, tokens: ['s3cret'] });
  t.after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const counter = countAnalyses(server);

  const ok = mpv(t, file, `earshot-server=${server.url},earshot-token=s3cret,earshot-k=2`);
  await ok.waitFor(earshotLine(/^\[earshot\] next 2: /), 'suggestions with the right token', 30_000);
  const bad = mpv(t, file, `earshot-server=${server.url},earshot-token=wrong`);
  await bad.waitFor(earshotLine(/HTTP 401 unauthorized: /), 'the 401 reported', 30_000);
  assert.ok(bad.running, 'mpv keeps playing');
  assert.equal(counter.calls, 1, 'the refused request never reached the engine');

  // The engine is gone: the script says so instead of failing silently.
  await server.close();
  const down = mpv(t, file, `earshot-server=${server.url}`);
  await down.waitFor(earshotLine(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(curl 7: /), 'the unreachable engine reported', 30_000);
});
