/**
 * Real host programs (icecast2, liquidsoap, ffmpeg, mpv) in tests: find them or skip visibly (a failure
 * when EARSHOT_REQUIRE_HOSTS=1, as CI sets), run them as child processes whose output can be awaited
 * line by line, and a private Icecast server on a free 127.0.0.1 port. Everything is spawned
 * asynchronously: the engine under test runs in the test's own process and must keep serving.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { repoRoot } from './shared';

/** The absolute path of an executable on $PATH, or null. */
export function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** True when every program is installed; otherwise skips the test (fails it under EARSHOT_REQUIRE_HOSTS=1). */
export function hostsOrSkip(t: TestContext, ...programs: string[]): boolean {
  const missing = programs.filter((p) => which(p) === null);
  if (missing.length === 0) return true;
  const why = `${missing.join(', ')} not installed (apt-get install ${missing.join(' ')})`;
  if (process.env.EARSHOT_REQUIRE_HOSTS === '1') assert.fail(`${why} and EARSHOT_REQUIRE_HOSTS=1`);
  t.skip(why);
  return false;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `earshot-${prefix}-`));
}

/** A port nobody listens on right now (the kernel's choice for port 0, released again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A child process whose stdout and stderr lines are kept and can be waited for. */
export class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];
  private done = false;

  constructor(readonly label: string, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
    this.child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split(/\r?\n|\r/);
        rest = parts.pop() ?? '';
        this.push(parts);
      });
      stream.on('end', () => rest && this.push([rest]));
    }
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.push([`spawn error: ${err.message}`]);
        this.done = true;
        resolve({ code: -1, signal: null });
      });
      this.child.on('close', (code, signal) => {
        this.done = true;
        this.wake();
        resolve({ code, signal });
      });
    });
  }

  private push(lines: string[]): void {
    if (lines.length === 0) return;
    this.lines.push(...lines);
    if (process.env.EARSHOT_TEST_VERBOSE === '1') for (const l of lines) process.stderr.write(`[${this.label}] ${l}\n`);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get running(): boolean {
    return !this.done;
  }

  /** The OS process id (for /proc figures), undefined if it never started. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Waits until `count` lines (from line `from` on) satisfy `pred`; returns them. Fails with the log tail on timeout or exit. */
  async waitFor(pred: (line: string) => boolean, what: string, timeoutMs: number, count = 1, from = 0): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hits = this.lines.slice(from).filter(pred);
      if (hits.length >= count) return hits;
      const left = deadline - Date.now();
      if (this.done || left <= 0) {
        assert.fail(`${this.label}: ${this.done ? 'exited' : `no ${what} within ${timeoutMs} ms`} (${hits.length}/${count} seen); last output:\n${this.tail()}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  tail(n = 40): string {
    return this.lines.slice(-n).join('\n');
  }

  /** SIGTERM (or `signal`), then SIGKILL if it is still running after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
    if (this.done) return;
    this.child.kill(signal);
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** The compiled `earshot` CLI (dist/src/cli/earshot.js) run with this Node. */
export function earshotCli(label: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Proc {
  return new Proc(label, process.execPath, [path.join(repoRoot(), 'dist', 'src', 'cli', 'earshot.js'), ...args], { env });
}

/** Runs the CLI to completion (asynchronously) and returns its exit code and lines. */
export async function runEarshot(args: readonly string[], timeoutMs = 60_000): Promise<{ code: number | null; lines: string[] }> {
  const p = earshotCli(`earshot ${args[0]}`, args);
  const t = setTimeout(() => void p.stop('SIGKILL'), timeoutMs);
  const { code } = await p.exited;
  clearTimeout(t);
  return { code, lines: p.lines };
}

export interface Icecast {
  port: number;
  /** The source (and admin) password. */
  password: string;
  /** http://127.0.0.1:PORT */
  url: string;
  dir: string;
  proc: Proc;
  /** The mounts Icecast lists right now (e.g. ['/live.mp3']). */
  mounts(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * icecast2 with a private config in a temp dir, on a free 127.0.0.1 port, logging to its own dir.
 * As root it must drop privileges (<changeowner>): its dir is then made readable and its log dir
 * writable by that user. Never the system config.
 */
export async function startIcecast(): Promise<Icecast> {
  const dir = tempDir('icecast');
  const logDir = path.join(dir, 'log');
  fs.mkdirSync(logDir);
  const port = await freePort();
  const password = `pw${Math.random().toString(36).slice(2, 10)}`;
  const asRoot = process.getuid?.() === 0;
  let owner = '';
  if (asRoot) {
    const user = fs.readFileSync('/etc/passwd', 'utf8').includes('\nicecast2:') ? 'icecast2' : 'nobody';
    const group = fs.readFileSync('/etc/group', 'utf8').includes('\nicecast:') ? 'icecast' : 'nogroup';
    owner = `<security><chroot>0</chroot><changeowner><user>${user}</user><group>${group}</group></changeowner></security>`;
    const uid = Number(/^[^:]+:[^:]*:(\d+):/m.exec(fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`)) ?? '')?.[1] ?? 65534);
    fs.chmodSync(dir, 0o755);
    fs.chownSync(logDir, uid, -1);
  }
  const share = '/usr/share/icecast2';
  const config = `<icecast>
  <location>earshot test</location><admin>test@localhost</admin><hostname>127.0.0.1</hostname>
  <limits><clients>20</clients><sources>4</sources><source-timeout>5</source-timeout><burst-size>65536</burst-size></limits>
  <authentication><source-password>${password}</source-password><admin-user>admin</admin-user><admin-password>${password}</admin-password></authentication>
  <listen-socket><port>${port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths><basedir>${share}</basedir><logdir>${logDir}</logdir><webroot>${share}/web</webroot><adminroot>${share}/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  ${owner}
</icecast>
`;
  const configPath = path.join(dir, 'icecast.xml');
  fs.writeFileSync(configPath, config);
  fs.chmodSync(configPath, 0o644);
  const proc = new Proc('icecast2', 'icecast2', ['-c', configPath]);
  const url = `http://127.0.0.1:${port}`;
  const mounts = async (): Promise<string[]> => {
    const res = await fetch(`${url}/status-json.xsl`);
    const text = await res.text();
    // status-json lists "source" as one object or an array; the listen URLs end with the mount.
    return [...text.matchAll(/"listenurl":"[^"]*?(\/[^"/]+)"/g)].map((m) => m[1]);
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await mounts();
      break;
    } catch {
      const log = path.join(logDir, 'error.log');
      if (!proc.running || Date.now() > deadline) {
        await proc.stop('SIGKILL');
        assert.fail(`icecast2 did not come up on ${url}:\n${proc.tail()}\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : ''}`);
      }
      await sleep(100);
    }
  }
  return { port, password, url, dir, proc, mounts, stop: () => proc.stop() };
}

/** Waits until Icecast lists `mount` (a source is connected), or while `present` is false, until it is gone. */
export async function waitForMount(ice: Icecast, mount: string, present = true, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await ice.mounts().catch(() => [] as string[]);
    if (now.includes(mount) === present) return;
    if (Date.now() > deadline) assert.fail(`mount ${mount} ${present ? 'never appeared' : 'never went away'} on ${ice.url} (mounts: ${JSON.stringify(now)})`);
    await sleep(150);
  }
}

/** ffmpeg sending `wav` in real time, looped forever, as MP3 to Icecast's `mount` (HOSTS-NOTES' push command). */
export function pushToIcecast(ice: Icecast, wav: string, mount: string): Proc {
  return new Proc('ffmpeg-push', 'ffmpeg', [
    '-hide_banner', '-loglevel', 'warning', '-re', '-stream_loop', '-1', '-i', wav,
    '-c:a', 'libmp3lame', '-b:a', '128k', '-content_type', 'audio/mpeg', '-f', 'mp3', '-flush_packets', '1',
    `icecast://source:${ice.password}@127.0.0.1:${ice.port}${mount}`,
  ]);
}
