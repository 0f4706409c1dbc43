/**
 * A fleet on 127.0.0.1 for test/cluster and bench/fleet.ts, from the real programs and the shipped
 * configs: redis-server with deploy/redis.conf (its AOF in a temp dir, a free port), `earshot serve`
 * replicas as child processes, and haproxy with deploy/haproxy.cfg whose ports are rewritten into a temp
 * copy — so the file users run is the file tested. Readiness is awaited (the `listening` line, /healthz,
 * HAProxy's stats), never slept for; stop() kills every process it started (call it from `after`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { earshotCli, freePort, Proc, sleep, tempDir } from './hosts';
import { repoRoot } from './shared';

export const DEPLOY_DIR = path.join(repoRoot(), 'deploy');
export const HAPROXY_CFG = path.join(DEPLOY_DIR, 'haproxy.cfg');
export const REDIS_CONF = path.join(DEPLOY_DIR, 'redis.conf');

/** GET /healthz of one replica (docs/protocol.md; `fleet` once it runs with --redis, docs/fleet.md). */
export interface Healthz {
  status: string;
  streams: number;
  model: string;
  items: number;
  fleet?: Record<string, unknown>;
}

/** GET a JSON document with a deadline (a dead or stopped replica must not hang a poll). */
export async function getJson<T>(url: string, timeoutMs = 2000): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined; fails with `what` after `timeoutMs`. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`no ${what} within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

/** One `earshot serve` process. */
export class Replica {
  constructor(readonly name: string, readonly port: number, readonly args: readonly string[], readonly proc: Proc) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  healthz(): Promise<{ status: number; body: Healthz }> {
    return getJson<Healthz>(`${this.url}/healthz`);
  }
  /** One unlabelled value of GET /metrics (Prometheus text), e.g. earshot_windows_total. */
  async metric(name: string): Promise<number> {
    const res = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(2000) });
    const m = new RegExp(`^${name} ([-\\d.e+]+)$`, 'm').exec(await res.text());
    assert.ok(m, `${this.name}: no ${name} in /metrics`);
    return Number(m[1]);
  }
  /** kill -9: no final events, no goodbye; the OS closes its sockets. The signal goes out before this returns its promise. */
  async kill9(): Promise<void> {
    await this.proc.stop('SIGKILL');
  }
  /** SIGTERM: the engine finalises its streams (1001) and exits. */
  async stop(): Promise<void> {
    await this.proc.stop('SIGTERM', 15_000);
  }
}

/**
 * Starts `earshot serve --port PORT --json ARGS` and resolves once /healthz answers 200. The model load
 * of several replicas at once on a loaded 2-core machine takes a while: 120 s before giving up.
 */
export async function startReplica(name: string, port: number, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Replica> {
  const proc = earshotCli(name, ['serve', '--port', String(port), '--json', ...args], env);
  const r = new Replica(name, port, args, proc);
  try {
    await proc.waitFor((l) => l.includes('"type":"listening"'), 'listening line', 120_000);
    await pollUntil(async () => ((await r.healthz()).status === 200 ? true : undefined), `${name} /healthz 200`, 30_000);
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return r;
}

/** redis-server with the shipped deploy/redis.conf; --port and --dir given after it override its own. */
export class Redis {
  proc!: Proc;
  constructor(readonly port: number, readonly dir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<this> {
    this.proc = new Proc('redis', 'redis-server', [REDIS_CONF, '--port', String(this.port), '--dir', this.dir]);
    await this.proc.waitFor((l) => /Ready to accept connections/.test(l), 'redis ready', 30_000);
    return this;
  }
  async kill9(): Promise<void> {
    await this.proc.stop('SIGKILL');
  }
  async stop(): Promise<void> {
    await this.proc.stop('SIGTERM', 5000);
  }
  /** Kills it and removes its directory (the AOF with it). */
  async destroy(): Promise<void> {
    await this.proc?.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startRedis(): Promise<Redis> {
  return new Redis(await freePort(), tempDir('redis')).start();
}

/** One backend server row of HAProxy's CSV statistics. */
export interface ProxyServer {
  name: string;
  /** UP, DOWN, "UP 1/2" (going down), "DOWN 1/2" (coming up), MAINT… */
  status: string;
  /** Current sessions (open connections, WebSocket streams included). */
  sessions: number;
}

/**
 * deploy/haproxy.cfg with its listening ports and backend servers replaced: the frontend on `port`, the
 * stats page on `statsPort`, one `server eN 127.0.0.1:PORT check` line per backend port (the shipped
 * file's three lines, as many as given). Fails when the shipped file no longer has the shape this
 * relies on, rather than testing a config nobody ships.
 */
export function proxyConfig(text: string, o: { port: number; statsPort: number; backends: readonly number[] }): string {
  const front = /^(\s*bind\s+127\.0\.0\.1:)8800\b/m;
  const stats = /^(\s*bind\s+127\.0\.0\.1:)8404\b/m;
  const servers = [...text.matchAll(/^(\s*)server\s+(e\d+)\s+127\.0\.0\.1:\d+(\s.*)$/gm)];
  assert.ok(front.test(text) && stats.test(text), 'deploy/haproxy.cfg: no "bind 127.0.0.1:8800" frontend or "bind 127.0.0.1:8404" stats line');
  assert.ok(servers.length >= 1, 'deploy/haproxy.cfg: no "server eN 127.0.0.1:PORT ..." lines');
  const [, indent, , params] = servers[0];
  const lines = o.backends.map((p, i) => `${indent}server e${i + 1} 127.0.0.1:${p}${params}`).join('\n');
  const first = servers[0].index!;
  const last = servers[servers.length - 1];
  const end = last.index! + last[0].length;
  const between = text.slice(first, end).split('\n').filter((l) => !/^\s*server\s/.test(l));
  assert.equal(between.length, 0, 'deploy/haproxy.cfg: the server lines must be consecutive');
  return (text.slice(0, first) + lines + text.slice(end)).replace(front, `$1${o.port}`).replace(stats, `$1${o.statsPort}`);
}

export class HaProxy {
  proc!: Proc;
  readonly dir = tempDir('haproxy');
  readonly cfgPath = path.join(this.dir, 'haproxy.cfg');
  constructor(readonly port: number, readonly statsPort: number, backends: readonly number[]) {
    fs.writeFileSync(this.cfgPath, proxyConfig(fs.readFileSync(HAPROXY_CFG, 'utf8'), { port, statsPort, backends }));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Starts haproxy on the rewritten copy; resolves once its stats page answers (stop() removes the copy, also after a failed start). */
  async start(): Promise<this> {
    this.proc = new Proc('haproxy', 'haproxy', ['-db', '-f', this.cfgPath]);
    const up = await pollUntil(async () => (!this.proc.running ? 'exited' : (await this.servers()).length > 0 ? 'up' : undefined), 'haproxy stats page', 15_000);
    if (up === 'exited') assert.fail(`haproxy exited at start:\n${this.proc.tail()}`);
    return this;
  }

  /** The backend's servers, from the stats page's CSV (the header names the columns). */
  async servers(): Promise<ProxyServer[]> {
    const res = await fetch(`http://127.0.0.1:${this.statsPort}/stats;csv`, { signal: AbortSignal.timeout(2000) });
    const [header, ...rows] = (await res.text()).trim().split('\n');
    const cols = header.replace(/^# /, '').split(',');
    const at = (name: string): number => cols.indexOf(name);
    return rows
      .map((r) => r.split(','))
      .filter((c) => c[at('pxname')] === 'engines' && !['FRONTEND', 'BACKEND'].includes(c[at('svname')]))
      .map((c) => ({ name: c[at('svname')], status: c[at('status')], sessions: Number(c[at('scur')]) }));
  }

  /** Resolves with the ms it took until server `name`'s status starts with `status` (UP or DOWN). */
  async waitStatus(name: string, status: 'UP' | 'DOWN', timeoutMs: number, sinceMs = performance.now()): Promise<number> {
    // "UP 1/2" is an UP server that failed one check (going down): only a settled state counts.
    const settled = (s: ProxyServer | undefined): boolean => !!s && s.status.startsWith(status) && !/\d\/\d/.test(s.status);
    await pollUntil(async () => (settled((await this.servers()).find((s) => s.name === name)) ? true : undefined), `haproxy ${name} ${status}`, timeoutMs, 25);
    return performance.now() - sinceMs;
  }

  async stop(): Promise<void> {
    await this.proc?.stop('SIGTERM', 3000);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface FleetOptions {
  replicas: number;
  /** Also start Redis; its URL is passed to replicaArgs. */
  redis?: boolean;
  /** `earshot serve` arguments of replica i (0-based) after --port and --json. */
  replicaArgs: (i: number, redisUrl: string | undefined) => string[];
}

/**
 * Redis (optional), the replicas and HAProxy in front of them; stop() in `after` kills all of it and
 * removes its files. With Redis, each replica's bundle cache is `dir/<name>` (--fleet-cache), so that
 * one killed with -9 leaves nothing behind either.
 */
export class Fleet {
  redis: Redis | undefined;
  replicas: Replica[] = [];
  proxy: HaProxy | undefined;
  readonly dir = tempDir('fleet');
  private readonly extra: Proc[] = [];

  constructor(readonly options: FleetOptions) {}

  async start(): Promise<this> {
    try {
      if (this.options.redis) this.redis = await startRedis();
      const ports = await Promise.all(Array.from({ length: this.options.replicas }, () => freePort()));
      // Loaded together: the model loads overlap (the main cost of a fleet test on 2 cores).
      this.replicas = await Promise.all(ports.map((p, i) => startReplica(`e${i + 1}`, p, this.args(i, `e${i + 1}`))));
      this.proxy = new HaProxy(await freePort(), await freePort(), ports);
      await this.proxy.start();
      for (const r of this.replicas) await this.proxy.waitStatus(r.name, 'UP', 15_000);
    } catch (err) {
      await this.stop();
      throw err;
    }
    return this;
  }

  /** `earshot serve` arguments of a replica: the test's, and with Redis a bundle cache of its own in dir. */
  args(i: number, name: string): string[] {
    return [...this.options.replicaArgs(i, this.redis?.url), ...(this.redis ? ['--fleet-cache', path.join(this.dir, name)] : [])];
  }

  get url(): string {
    return this.started().url;
  }
  get wsUrl(): string {
    return this.started().wsUrl;
  }
  private started(): HaProxy {
    assert.ok(this.proxy, 'the fleet has not started');
    return this.proxy;
  }

  /** Starts replica i again on its port with its arguments (after a kill or stop) and waits until HAProxy has it UP. */
  async restart(i: number): Promise<Replica> {
    const old = this.replicas[i];
    this.replicas[i] = await startReplica(old.name, old.port, old.args);
    await this.started().waitStatus(old.name, 'UP', 15_000);
    return this.replicas[i];
  }

  /** A process started beside the fleet (a client) that stop() must also kill. */
  track(p: Proc): Proc {
    this.extra.push(p);
    return p;
  }

  /** Open streams per replica right now (-1: not answering). */
  async streamCounts(): Promise<number[]> {
    return Promise.all(this.replicas.map((r) => r.healthz().then((h) => h.body.streams, () => -1)));
  }

  /** Index of the replica whose stream count grew by one after `open()` (call with nothing else connecting). */
  async whereOpens(open: () => Promise<unknown>): Promise<number> {
    const before = await this.streamCounts();
    await open();
    return pollUntil(async () => {
      const now = await this.streamCounts();
      const grew = now.map((n, i) => n - before[i]);
      return grew.filter((d) => d !== 0).length === 1 && grew.includes(1) ? grew.indexOf(1) : undefined;
    }, 'one replica with one more stream', 10_000);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.extra, ...this.replicas.map((r) => r.proc)].map((p) => p.stop('SIGKILL')));
    await this.proxy?.stop();
    await this.redis?.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
