// kill -9 of a replica behind HAProxy (deploy/haproxy.cfg as shipped, ports rewritten) with live
// streams on it: every client of it — the SDK and `earshot stream` — goes on through the proxy on the
// other replicas within 5 s, with its configuration restored (the `configured` answer before and after
// compared) and window events resuming; a finalize pending at the kill is answered by the new replica
// (no `final` lost); clients of the other replicas see nothing; HAProxy takes the dead replica out of
// rotation within ~2 s. Real programs: three `earshot serve` processes and haproxy, on 127.0.0.1.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConfiguredEvent, WindowEvent } from '../../src/protocol';
import { DEFAULT_BUNDLE } from '../helpers/engine-client';
import { Fleet } from '../helpers/fleet';
import { hostsOrSkip, tempDir } from '../helpers/hosts';
import { LiveCli, LiveSdk, musicWav } from '../helpers/live-client';

/** The issue's bound: a client of a killed replica hears windows again within this (ms). */
const CONTINUE_WITHIN_MS = 5000;
/** A dead replica leaves HAProxy's rotation within ~2 s (fall 2 x inter 500 ms + the check timeout). */
const OUT_OF_ROTATION_MS = 3000;
// 1 CLI + 8 SDK streams: leastconn gives each of the 3 replicas 3, so the CLI's replica has 2 SDK clients.
const SDK_CLIENTS = 8;

let fleet: Fleet | undefined;
const sdks: LiveSdk[] = [];
const dir = tempDir('cluster-failover');
after(async () => {
  await Promise.all(sdks.map((s) => s.close().catch(() => {})));
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Catalogue ids of the bundle (items.tsv: id, artist, title), for a listening history. */
function catalogIds(n: number): string[] {
  return fs.readFileSync(path.join(DEFAULT_BUNDLE, 'items.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).slice(0, n).map((l) => l.split('\t')[0]);
}

test('kill -9 of a replica with live streams: its SDK and `earshot stream` clients continue on the others within 5 s, configuration restored, no final lost', async (t) => {
  if (!hostsOrSkip(t, 'haproxy')) return;
  fleet = await new Fleet({ replicas: 3, replicaArgs: () => ['--no-persist'] }).start();
  const f = fleet;

  // `earshot stream` first, alone, so its replica is known; then SDK clients one by one (leastconn
  // spreads them evenly).
  const cli = new LiveCli(musicWav(dir, 60), f.wsUrl, ['--k', '4', '--tags', '3']);
  f.track(cli.proc);
  const victim = await f.whereOpens(() => cli.proc.waitFor((l) => l.includes('"type":"begin"'), 'begin', 20_000));
  const [a, b] = catalogIds(2);
  const on: number[] = [];
  const configuredBefore: ConfiguredEvent[] = [];
  for (let i = 0; i < SDK_CLIENTS; i++) {
    const s = new LiveSdk(f.wsUrl, { keepaliveMs: 5000 });
    sdks.push(s);
    on.push(await f.whereOpens(() => s.connect()));
    s.client.configure({ k: 6, tags: 2, hop: 1, history: [{ id: a, plays: 4 }, { id: b }] });
    configuredBefore.push(await s.client.next('configured'));
    assert.equal(configuredBefore[i].history, 2);
    s.startPump(10 + i);
  }
  const hit = sdks.filter((_, i) => on[i] === victim);
  const spared = sdks.filter((_, i) => on[i] !== victim);
  t.diagnostic(`streams per replica: CLI on e${victim + 1}, SDK on ${on.map((r) => `e${r + 1}`).join(' ')}`);
  assert.ok(hit.length >= 2, `leastconn put ${hit.length} SDK clients on the CLI's replica e${victim + 1}`);

  // Everyone hears windows before the kill.
  for (const s of sdks) await s.client.next('window');
  await cli.after('window', 0, 20_000);

  // One client of the victim ends its track right at the kill: its final is owed when the replica dies.
  const finisher = hit[0];
  await finisher.stopPump();
  const owed = finisher.client.finalize();
  const killedAt = performance.now();
  const killedWall = Date.now();
  const killed = f.replicas[victim].kill9(); // SIGKILL is sent before this line returns
  const outOfRotation = f.proxy!.waitStatus(`e${victim + 1}`, 'DOWN', 10_000, killedAt);

  // The finisher: reconnected, the track's last window replayed, the final answered by another replica.
  const final: WindowEvent = await owed;
  const finalMs = performance.now() - killedAt;
  assert.equal(final.type, 'final');
  assert.equal(finisher.client.stats.reconnects, 1, 'the final came after the reconnect, from another replica');
  assert.ok(final.windows >= 1 && final.suggestions.length === 6 && final.tags.length === 2, `final: ${JSON.stringify({ ...final, suggestions: final.suggestions.length })}`);

  // The others of the victim: windows again, with their configuration.
  const resumed: number[] = [];
  for (const s of hit.slice(1)) {
    const w = await s.after('window', killedAt, CONTINUE_WITHIN_MS + 5000);
    resumed.push(w.at - killedAt);
    const begins = s.events.filter((e) => e.ev.type === 'begin' && e.at > killedAt);
    assert.equal(begins.length, 1, 'one reconnect');
    const configuredAfter = (await s.after('configured', killedAt, 1000)).ev as ConfiguredEvent;
    assert.deepEqual(configuredAfter, configuredBefore[sdks.indexOf(s)], 'the configure replayed on the new replica gives the same answer');
    const ev = w.ev as WindowEvent;
    assert.equal(ev.suggestions.length, 6);
    assert.equal(ev.tags.length, 2);
  }
  const [cliWindow, cliWindowWall] = await cli.after('window', killedWall, CONTINUE_WITHIN_MS + 5000);
  const [cliBegin] = await cli.after('begin', killedWall, 1000);
  const cliMs = cliWindowWall - killedWall;
  assert.equal(cliBegin.k, 4, 'the URL options (k, tags) are the reconnect URL too');
  assert.equal((cliWindow.suggestions as unknown[]).length, 4);
  assert.equal((cliWindow.tags as unknown[]).length, 3);
  const downMs = await outOfRotation;
  await killed;

  // Clients of the other replicas saw no reconnect and kept hearing windows.
  for (const s of spared) {
    await s.after('window', killedAt, 3000);
    assert.equal(s.client.stats.reconnects, 0);
  }
  t.diagnostic(`after kill -9: final answered in ${finalMs.toFixed(0)} ms; SDK windows again after ${resumed.map((m) => m.toFixed(0)).join(', ')} ms; earshot stream after ${cliMs} ms; HAProxy marked the replica DOWN after ${downMs.toFixed(0)} ms`);
  for (const ms of [...resumed, cliMs, finalMs]) assert.ok(ms < CONTINUE_WITHIN_MS, `${ms.toFixed(0)} ms >= ${CONTINUE_WITHIN_MS} ms`);
  assert.ok(downMs < OUT_OF_ROTATION_MS, `HAProxy took ${downMs.toFixed(0)} ms to mark e${victim + 1} DOWN`);

  // The replica comes back (same port) and HAProxy puts it back into rotation.
  await f.restart(victim);
  await Promise.all(sdks.map((s) => s.stopPump()));
});
