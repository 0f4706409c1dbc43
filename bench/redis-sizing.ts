/**
 * `npm run bench -- redis-sizing [--songs 100000] [--factors 64] [--phases log,ids,snapshot] [--json]`:
 * what a fleet's catalogue costs Redis (docs/scale.md, "Redis for a 10M-song catalogue"). Starts its
 * own redis-server (Debian's, on a free 127.0.0.1 port, in a temp dir), writes N song adds with the
 * fleet's own encoders (src/fleet), and reads INFO memory after each structure:
 *   log       XADD <fleet>:log * seq N <changeFields(add)>  (what the add script appends: op, song,
 *             item {"artist","title","uri"} JSON, factors F float32 LE, space)
 *   ids       SADD <fleet>:ids <song id>
 *   snapshot  the fleet's own writer (src/fleet/fleet-snapshot-write.ts: a version hash of chunks of
 *             8,192 songs, staged by pipelined HSETs, published by the Lua call), then read back by
 *             the fleet's reader (readSnapshot, one HMGET a chunk) and compared song by song
 * then SAVE (seconds, dump.rdb bytes) and a restart from that dump (seconds until PING answers, and
 * Redis's own "DB loaded from disk" figure). Commands go through `redis-cli --pipe` (RESP, binary-safe).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import type { CatalogItem } from '../src/catalog/song-table';
import { fleetKeys } from '../src/fleet/fleet-keys';
import { readSnapshot, SNAPSHOT_CHUNK_SONGS } from '../src/fleet/fleet-snapshot';
import { publishSnapshot, stageSnapshot } from '../src/fleet/fleet-snapshot-write';
import { changeFields } from '../src/fleet/log-entry';
import { openRedis } from '../src/fleet/redis-connection';
import { parseRedisUrl } from '../src/fleet/redis-url';
import { mulberry32 } from '../trainer/eval/prng';
import { freePort } from '../test/helpers/hosts';

const FLEET = 'earshot';

function cli(port: number, ...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function info(port: number, field: string): number {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(cli(port, 'INFO', 'memory'));
  if (!m) throw new Error(`INFO memory has no ${field}`);
  return Number(m[1]);
}

/** Starts redis-server on `dir` (RDB file dump.rdb there, no AOF, no automatic saves); resolves once PING answers PONG. */
async function startRedis(dir: string, port: number): Promise<{ proc: ChildProcess; readyS: number }> {
  const t0 = performance.now();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', path.join(dir, 'redis.log')], { stdio: 'ignore' });
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode} (see ${dir}/redis.log)`);
    try {
      if (cli(port, 'PING') === 'PONG') return { proc, readyS: (performance.now() - t0) / 1e3 };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function resp(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Pipes `n` commands from `command(i)` into redis-cli --pipe (with backpressure); returns seconds. */
async function pipe(port: number, n: number, command: (i: number) => (string | Buffer)[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < n; i++) {
    if (!child.stdin.write(resp(command(i)))) await once(child.stdin, 'drain');
  }
  child.stdin.end();
  const [code] = await once(child, 'exit');
  if (code !== 0 || !/errors: 0, replies: \d+/.test(out)) throw new Error(`redis-cli --pipe: ${out.trim()}`);
  return (performance.now() - t0) / 1e3;
}

/** Song i: a Taste-Profile-like id, typical metadata lengths, F random float32 factors (incompressible, as real ones are). */
function song(i: number, f: number, rand: () => number): { item: CatalogItem; factors: Float32Array } {
  const id = `SO${i.toString(36).toUpperCase().padStart(8, '0')}12A8C13`;
  const item = { id, artist: `Artist ${i % 50_000}`, title: `Song number ${i} (Remastered ${1970 + (i % 50)})`, uri: `https://cdn.example.com/audio/${id}.mp3` };
  const factors = new Float32Array(f);
  for (let k = 0; k < f; k++) factors[k] = rand() * 2 - 1;
  return { item, factors };
}

export async function main(args: string[]): Promise<number> {
  const opt = (name: string, def: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const n = opt('songs', 100_000);
  const f = opt('factors', 64);
  const pi = args.indexOf('--phases');
  const phases = new Set(pi >= 0 ? args[pi + 1].split(',') : ['log', 'ids', 'snapshot']);
  const json = args.includes('--json');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-redis-sizing-'));
  const port = await freePort();
  let redis = await startRedis(dir, port);
  try {
    const space = 'ab'.repeat(32);
    const songs = (seed: number) => {
      const rand = mulberry32(seed);
      return (i: number) => song(i, f, rand);
    };
    const base = info(port, 'used_memory');
    const measured: Record<string, { bytesPerSong: number; writeS: number }> = {};
    const phase = async (name: string, commands: number, command: (i: number) => (string | Buffer)[]) => {
      if (!phases.has(name)) return;
      const before = info(port, 'used_memory');
      const writeS = await pipe(port, commands, command);
      measured[name] = { bytesPerSong: (info(port, 'used_memory') - before) / n, writeS };
    };
    const next = songs(1);
    await phase('log', n, (i) => ['XADD', `${FLEET}:log`, '*', 'seq', String(i + 1), ...changeFields({ op: 'add', ...next(i) }, space)]);
    const again = songs(1);
    await phase('ids', n, (i) => ['SADD', `${FLEET}:ids`, again(i).item.id]);
    let snapshotRead: { readS: number; songsBack: number; identical: boolean } | null = null;
    if (phases.has('snapshot')) {
      const all = songs(1);
      const items: CatalogItem[] = [];
      const factors = new Float32Array(n * f);
      for (let i = 0; i < n; i++) {
        const s = all(i);
        items.push(s.item);
        factors.set(s.factors, i * f);
      }
      // Stream id 0-0: the publish trims nothing, so the log phase's entries stay for the memory total.
      const snap = { seq: n, streamId: '0-0', revision: space, space, items, factors };
      const keys = fleetKeys(FLEET);
      const redisClient = await openRedis(parseRedisUrl(`redis://127.0.0.1:${port}`), 'commands', 'earshot-bench-redis-sizing');
      try {
        process.stderr.write(`snapshot: ${n} songs in ${Math.ceil(n / SNAPSHOT_CHUNK_SONGS)} chunks of ${SNAPSHOT_CHUNK_SONGS}\n`);
        const before = info(port, 'used_memory');
        const t0 = performance.now();
        const staged = await stageSnapshot(redisClient, keys, snap);
        if (!(await publishSnapshot(redisClient, keys, staged, snap))) throw new Error('the snapshot was not published');
        measured.snapshot = { bytesPerSong: (info(port, 'used_memory') - before) / n, writeS: (performance.now() - t0) / 1e3 };
        const t1 = performance.now();
        const back = await readSnapshot(redisClient, keys);
        const readS = (performance.now() - t1) / 1e3;
        let identical = back !== null && back.seq === n && back.items.length === n && back.factors.length === factors.length;
        for (let i = 0; identical && i < n; i++) identical = JSON.stringify(back!.items[i]) === JSON.stringify(items[i]);
        for (let i = 0; identical && i < factors.length; i++) identical = back!.factors[i] === factors[i];
        snapshotRead = { readS, songsBack: back?.items.length ?? 0, identical };
      } finally {
        redisClient.disconnect();
      }
    }
    const usedMemory = info(port, 'used_memory') - base;
    const rss = info(port, 'used_memory_rss');
    const t0 = performance.now();
    cli(port, 'SAVE');
    const saveS = (performance.now() - t0) / 1e3;
    const rdbBytes = fs.statSync(path.join(dir, 'dump.rdb')).size;
    cli(port, 'SHUTDOWN', 'NOSAVE');
    await once(redis.proc, 'exit');
    fs.rmSync(path.join(dir, 'redis.log'));
    redis = await startRedis(dir, port);
    const loaded = /DB loaded from disk: ([\d.]+) seconds/.exec(fs.readFileSync(path.join(dir, 'redis.log'), 'utf8'));
    const keysBack = Number(cli(port, 'DBSIZE'));
    const result = {
      songs: n, factors: f, redis: cli(port, 'INFO', 'server').match(/redis_version:(\S+)/)?.[1], measured,
      snapshotRead, usedMemoryBytes: usedMemory, usedMemoryRssBytes: rss, saveS, rdbBytes, restartReadyS: redis.readyS, rdbLoadS: loaded ? Number(loaded[1]) : null, keysAfterRestart: keysBack,
    };
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const mb = (b: number) => (b / 1e6).toFixed(1);
      process.stdout.write(`redis ${result.redis}, ${n} songs, F = ${f}\n`);
      for (const [k, m] of Object.entries(measured)) process.stdout.write(`  ${k.padEnd(9)} ${m.bytesPerSong.toFixed(1)} bytes/song (written in ${m.writeS.toFixed(1)} s)\n`);
      if (snapshotRead) process.stdout.write(`  read back ${snapshotRead.songsBack} songs in ${snapshotRead.readS.toFixed(1)} s (readSnapshot), ${snapshotRead.identical ? 'identical to what was written' : 'DIFFERENT from what was written'}\n`);
      process.stdout.write(`  all       used_memory +${mb(usedMemory)} MB (rss ${mb(rss)} MB); SAVE ${saveS.toFixed(2)} s, dump.rdb ${mb(rdbBytes)} MB; restart: PING after ${redis.readyS.toFixed(2)} s (log: loaded in ${result.rdbLoadS} s), ${keysBack} keys\n`);
    }
    // log, ids: one key each; snapshot: the pointer and its version hash.
    const keysWanted = (phases.has('log') ? 1 : 0) + (phases.has('ids') ? 1 : 0) + (phases.has('snapshot') ? 2 : 0);
    return keysBack === keysWanted && (snapshotRead?.identical ?? true) ? 0 : 1;
  } finally {
    try {
      cli(port, 'SHUTDOWN', 'NOSAVE');
    } catch {
      // already gone
    }
    if (redis.proc.exitCode === null) await once(redis.proc, 'exit');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
