// The host plugins through HAProxy (deploy/haproxy.cfg as shipped, ports rewritten) in front of three
// `earshot serve` processes: kill -9 of the replica holding the plugin's stream, and the plugin goes on
// through the proxy on another replica within 5 s — the browser plugin (plugin-host/web, server mode,
// in Chromium: the SDK inside it replays the track's latest window, so its final still comes) and the
// LV2 plugin (plugin-host/lv2 in jalv on a dummy jackd: its own C++ client reconnects with backoff and
// sends the last 3.5 s again first).
// Times are measured from the kill to the first window event after it (page) or the first window the
// surviving replicas predict (LV2: the engine side, since jalv's log has no clock).
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WindowEvent } from '../../src/protocol';
import { startStaticServer, WEB_DIR, type StaticServer } from '../../plugin-host/web/serve';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import { testAudio } from '../helpers/engine-client';
import { Fleet, pollUntil } from '../helpers/fleet';
import { hostsOrSkip, tempDir } from '../helpers/hosts';
import { loggedFinal, Lv2Rig, monitor } from '../helpers/lv2';
import { repoRoot } from '../helpers/shared';

const CONTINUE_WITHIN_MS = 5000;
const CHROMIUM = process.env.EARSHOT_CHROMIUM ?? '/usr/bin/chromium';
// HOSTS-NOTES.md (Browser): headless Chromium with audio and no sound card.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];
const CLIP_S = 16;

let fleet: Fleet | undefined;
const lv2 = new Lv2Rig();
const dir = tempDir('cluster-plugins');
const closers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of closers) await c().catch(() => undefined);
  await lv2.cleanup();
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function fleetOnce(): Promise<Fleet> {
  fleet ??= await new Fleet({ replicas: 3, replicaArgs: () => ['--no-persist'] }).start();
  return fleet;
}

/** The one replica with a stream open (the test's plugin is the fleet's only client). */
function holder(f: Fleet): Promise<number> {
  return pollUntil(async () => {
    const n = await f.streamCounts();
    return n.filter((x) => x === 1).length === 1 && n.every((x) => x <= 1) ? n.indexOf(1) : undefined;
  }, 'the plugin\'s stream on one replica', 20_000);
}

/** Windows predicted by the replicas other than `except` (dead ones count 0). */
async function windowsElsewhere(f: Fleet, except: number): Promise<number> {
  const counts = await Promise.all(f.replicas.map((r, i) => (i === except ? 0 : r.metric('earshot_windows_total').catch(() => 0))));
  return counts.reduce((a, b) => a + b, 0);
}

test('browser plugin (Chromium, server mode) through HAProxy: kill -9 of its replica, windows again within 5 s, the final still comes', async (t: TestContext) => {
  if (!hostsOrSkip(t, 'haproxy', 'chromium')) return;
  let pw: typeof import('playwright-core');
  try {
    pw = require('playwright-core') as typeof import('playwright-core');
  } catch {
    if (process.env.EARSHOT_REQUIRE_HOSTS === '1') assert.fail('playwright-core missing (npm ci) and EARSHOT_REQUIRE_HOSTS=1');
    return t.skip('playwright-core missing (npm ci)');
  }
  const build = spawnSync(process.execPath, [path.join(repoRoot(), 'scripts', 'build-web.mjs')], { encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build:web failed:\n${build.stdout}${build.stderr}`);
  const f = await fleetOnce();
  const media = path.join(dir, 'media');
  fs.mkdirSync(media);
  fs.writeFileSync(path.join(media, 'clip.wav'), encodeWavPcm16(testAudio(CLIP_S, 5, 22050), 22050));
  const web: StaticServer = await startStaticServer({ mounts: { '/': WEB_DIR, '/media/': media } });
  closers.push(() => web.close());
  const profile = path.join(dir, 'chromium');
  const context = await pw.chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  closers.unshift(() => context.close());
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  const query = new URLSearchParams({ mode: 'server', server: f.wsUrl, src: '/media/clip.wav', autoplay: '1', hop: '1' });
  await page.goto(`${web.url}/index.html?${query}`);
  const events = (): Promise<WindowEvent[]> => page.evaluate(() => (window as unknown as { earshotEvents?: WindowEvent[] }).earshotEvents ?? []);

  const victim = await holder(f);
  await pollUntil(async () => ((await events()).length >= 2 ? true : undefined), 'two window events in the page', 20_000, 100);
  const before = (await events()).length;
  const killedAt = performance.now();
  const killed = f.replicas[victim].kill9();
  const resumedMs = await pollUntil(async () => ((await events()).length > before ? performance.now() - killedAt : undefined), 'a window event after the kill', 15_000, 50);
  await killed;
  const moved = await holder(f);
  await page.waitForFunction(() => (window as unknown as { earshotFinal?: unknown }).earshotFinal !== undefined, undefined, { timeout: 30_000, polling: 100 }).catch((err: Error) => {
    throw new Error(`no final event in the page: ${err.message}\n${logs.join('\n')}`);
  });
  const all = await events();
  const final = await page.evaluate(() => (window as unknown as { earshotFinal: WindowEvent }).earshotFinal);
  const after = all.slice(before).filter((e) => e.type === 'window');
  t.diagnostic(`browser plugin: stream on e${victim + 1}, then e${moved + 1}; a window event ${resumedMs.toFixed(0)} ms after the kill; ${before} events before, ${after.length} windows after; final over ${final.windows} windows`);
  assert.notEqual(moved, victim);
  assert.ok(after.length >= 1 && after[0].seq < all[before - 1].seq, 'the windows after the kill come from a new stream (seq restarted)');
  assert.ok(after.every((e) => e.suggestions.length === all[0].suggestions.length), 'as many suggestions on the new replica');
  assert.equal(final.type, 'final');
  assert.ok(final.windows >= 1);
  assert.ok(resumedMs < CONTINUE_WITHIN_MS, `${resumedMs.toFixed(0)} ms`);
  // The page's stream must not count as the LV2 plugin's in the next test.
  await context.close();
  await pollUntil(async () => ((await f.streamCounts()).every((n) => n <= 0) ? true : undefined), 'the page\'s stream closed', 10_000);
  await f.restart(victim);
});

test('LV2 plugin (jalv on a dummy jackd) through HAProxy: kill -9 of its replica, the plugin reconnects and the others predict its windows within 5 s', async (t: TestContext) => {
  if (!hostsOrSkip(t, 'haproxy')) return;
  if (!(await lv2.realtimeOrSkip(t))) return;
  const f = await fleetOnce();
  const SECONDS = 12;
  const run = lv2.jalv(`${f.wsUrl}/v1/stream`, SECONDS, { EARSHOT_LOG: 'final' });
  const victim = await holder(f);
  await pollUntil(async () => ((await f.replicas[victim].metric('earshot_windows_total')) >= 1 ? true : undefined), 'a window of the live stream', 15_000, 100);
  const base = await windowsElsewhere(f, victim);
  const killedAt = performance.now();
  await f.replicas[victim].kill9();
  const reconnectMs = await pollUntil(async () => {
    const n = await f.streamCounts();
    return n.some((x, i) => i !== victim && x === 1) ? performance.now() - killedAt : undefined;
  }, 'the plugin\'s stream on another replica', 10_000);
  const resumedMs = await pollUntil(async () => ((await windowsElsewhere(f, victim)) > base ? performance.now() - killedAt : undefined), 'a window on another replica', 15_000);
  const r = await run;
  const log = r.stderr.replace(/\x1b\[[0-9;]*m/g, '');
  t.diagnostic(`LV2 plugin: stream on e${victim + 1}; open on another replica ${reconnectMs.toFixed(0)} ms after the kill, its first window predicted after ${resumedMs.toFixed(0)} ms`);
  assert.equal(r.code, 0, r.stdout + log);
  assert.match(log, /stream closed \(\d+[^)]*\); reconnecting/);
  assert.match(log, /the stream dropped: sent the last [\d.]+ s again/, 'the new stream first got the last window again');
  assert.equal((log.match(/earshot: stream \S+ open/g) ?? []).length, 2, log);
  assert.equal(monitor(r.stdout, 'connected'), 1);
  const fin = loggedFinal(log);
  assert.ok(fin && fin.windows >= 1, `a final event from the new replica:\n${log}`);
  assert.ok(resumedMs < CONTINUE_WITHIN_MS, `${resumedMs.toFixed(0)} ms`);
  await f.restart(victim);
});
