/**
 * The LV2 plugin (plugin-host/lv2) under real LV2 hosts in tests: building the bundle into a private
 * temp dir, running hosts (lv2apply, lv2info, host_sim, jalv) without blocking the event loop (the
 * engine under test lives in the test's own process), a private jackd (dummy driver) for the realtime
 * tests, a scripted protocol-v1 `ws` server, and reading what the plugin logged.
 * Each test file makes one Lv2Rig and calls its cleanup() from its own after() hook: node --test runs
 * files in parallel processes, so everything a rig starts (temp dir, children, engine, jackd) is its own.
 * Skips visibly when make, g++, the LV2 headers or the hosts are missing; EARSHOT_REQUIRE_HOSTS=1 (CI)
 * fails instead.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseWav } from '../../src/audio/wav';
import { startServer, type EarshotServer } from '../../src/server/server';
import { DEFAULT_BUNDLE, testAudio } from './engine-client';
import { sleep, tempDir, which } from './hosts';
import { repoRoot } from './shared';
import { makeWav } from './wav-writer';

export const URI = 'https://earshot.dev/plugins/earshot-tap';
export const LV2_DIR = path.join(repoRoot(), 'plugin-host', 'lv2');
export const RATE = 44100;

/** How a child process ended, with all it wrote. */
export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** SIGKILL after this long (default 60 s). */
  timeoutMs?: number;
  /** Drives stdin (default: closed at once). */
  input?: (c: ChildProcess) => void;
}

/** Skips the test with `why` (fails it under EARSHOT_REQUIRE_HOSTS=1). */
export function skipOrFail(t: TestContext, why: string): void {
  if (process.env.EARSHOT_REQUIRE_HOSTS === '1') assert.fail(`${why} and EARSHOT_REQUIRE_HOSTS=1`);
  t.skip(why);
}

/** Everything one test file starts for the plugin; cleanup() (from that file's after()) undoes it. */
export class Lv2Rig {
  /** A fresh temp dir (mkdtemp): no other test process writes here. */
  readonly tmp = tempDir('lv2');
  /** LV2_PATH: holds only the bundle. */
  readonly build = path.join(this.tmp, 'lv2');
  /** The Makefile's CHECK_DIR: unit tests and host_sim. */
  readonly check = path.join(this.tmp, 'check');
  /** This process's private jackd server name. */
  readonly jackName = `earshot-test-${process.pid}`;
  private readonly children = new Set<ChildProcess>();
  private server: EarshotServer | null = null;
  private jackd: ChildProcess | null = null;
  private built: Promise<string | null> | null = null;
  private jack: Promise<string | null> | null = null;

  /** Runs a command without blocking the event loop (the engine under test lives in this process). */
  run(cmd: string, args: string[], o: RunOptions = {}): Promise<Run> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const c = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
      this.children.add(c);
      let stdout = '';
      let stderr = '';
      c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => c.kill('SIGKILL'), o.timeoutMs ?? 60_000);
      c.on('error', (e) => {
        clearTimeout(timer);
        this.children.delete(c);
        reject(e);
      });
      c.on('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(c);
        resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
      });
      if (o.input) o.input(c);
      else c.stdin!.end();
    });
  }

  /** `make -s -C plugin-host/lv2 BUILD=… CHECK_DIR=… target` (all, check, host-sim, validate). */
  make(target: string, timeoutMs = 60_000): Promise<Run> {
    return this.run('make', ['-s', '-C', LV2_DIR, `BUILD=${this.build}`, `CHECK_DIR=${this.check}`, target], { timeoutMs });
  }

  /** Builds the bundle once; resolves to a reason when the toolchain is missing. */
  private buildOnce(): Promise<string | null> {
    this.built ??= (async () => {
      const missing = ['make', process.env.CXX ?? 'g++'].filter((c) => which(c) === null);
      if (missing.length > 0) return `missing ${missing.join(', ')} (Debian: apt-get install make g++ lv2-dev)`;
      const deps = await this.run('make', ['-s', '-C', LV2_DIR, 'deps']);
      if (deps.code !== 0) return deps.stderr.trim() || 'LV2 headers not found (apt-get install lv2-dev)';
      const r = await this.make('all', 180_000);
      assert.equal(r.code, 0, `make failed:\n${r.stdout}\n${r.stderr}`);
      return null;
    })();
    return this.built;
  }

  /**
   * True when the plugin is built and the host programs are installed (lilv-utils: lv2apply, lv2ls,
   * lv2info); otherwise the test is skipped (or failed under EARSHOT_REQUIRE_HOSTS=1).
   */
  async pluginOrSkip(t: TestContext, hosts = ['lv2apply', 'lv2ls', 'lv2info']): Promise<boolean> {
    const missing = hosts.filter((c) => which(c) === null);
    const why = (await this.buildOnce()) ?? (missing.length > 0 ? `missing ${missing.join(', ')} (Debian: apt-get install lilv-utils)` : null);
    if (why) skipOrFail(t, why);
    return why === null;
  }

  /** The real engine (default bundle) in this process, started once. */
  async engine(): Promise<EarshotServer> {
    this.server ??= await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
    return this.server;
  }

  /** The environment for a host loading the plugin from this rig's bundle and streaming to `url`. */
  env(url: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, LV2_PATH: this.build, EARSHOT_URL: url, ...extra };
  }

  /**
   * A mono float32 WAV of test music in the temp dir; returns its path and its samples. Float, because
   * lv2apply's libsndfile is not the identity on 16-bit files: it reads s/32768 but writes round(x·32767),
   * so samples above 0.5 come back 1 LSB lower (measured: 73 of 352,800 samples of an 8-s clip) whatever
   * the plugin does.
   */
  writeWav(name: string, seconds: number, seed: number): { file: string; samples: Float32Array } {
    const wav = makeWav({ encoding: 'f32', channels: 1, sampleRateHz: RATE, values: testAudio(seconds, seed, RATE) });
    const file = path.join(this.tmp, name);
    fs.writeFileSync(file, wav);
    return { file, samples: parseWav(wav).interleaved };
  }

  /** Starts the private jackd (dummy driver) once; resolves to a reason when jackd/jalv are missing. */
  private jackServer(): Promise<string | null> {
    this.jack ??= (async () => {
      const missing = ['jackd', 'jack_wait', 'jalv'].filter((c) => which(c) === null);
      if (missing.length > 0) return `missing ${missing.join(', ')} (Debian: apt-get install jackd2 jalv): realtime tests not run`;
      const d = spawn('jackd', ['-n', this.jackName, '--no-realtime', '-d', 'dummy', '-r', String(RATE), '-p', '256'], { stdio: 'ignore' });
      this.jackd = d;
      this.children.add(d);
      d.on('exit', () => this.children.delete(d));
      const w = await this.run('jack_wait', ['-s', this.jackName, '-w', '-t', '10'], { timeoutMs: 15_000 }); // jackd2 ships jack_wait
      return w.code === 0 ? null : `jackd did not start: ${w.stdout}${w.stderr}`;
    })();
    return this.jack;
  }

  /** True when the plugin is built and jackd runs (jalv is the host); otherwise skips the test. */
  async realtimeOrSkip(t: TestContext): Promise<boolean> {
    if (!(await this.pluginOrSkip(t, []))) return false;
    const why = await this.jackServer();
    if (why) skipOrFail(t, why);
    return why === null;
  }

  /** jalv on this rig's jackd for `seconds`, then its "monitors" command (prints the control output ports), then EOF. */
  jalv(url: string, seconds: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
    return this.run('jalv', ['-n', 'earshot-tap', URI], {
      env: this.env(url, { JACK_DEFAULT_SERVER: this.jackName, JACK_NO_START_SERVER: '1', ...extraEnv }),
      timeoutMs: (seconds + 20) * 1000,
      input: (c) => {
        setTimeout(() => c.stdin!.write('monitors\n'), seconds * 1000);
        setTimeout(() => c.stdin!.end(), seconds * 1000 + 500);
      },
    });
  }

  /** Kills the children, stops jackd cleanly, closes the engine and removes the temp dir. */
  async cleanup(): Promise<void> {
    for (const c of this.children) if (c !== this.jackd) c.kill('SIGKILL');
    const d = this.jackd;
    if (d && d.exitCode === null && d.signalCode === null) {
      // SIGTERM: jackd removes its shared-memory segments and semaphores from /dev/shm (SIGKILL leaves them).
      const exited = new Promise((resolve) => d.once('exit', resolve));
      d.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
    }
    if (this.server) await this.server.close();
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Asserts that `outFile` is a mono float32 WAV at RATE holding exactly `samples`. */
export function assertSameAudio(outFile: string, samples: Float32Array): void {
  const out = parseWav(fs.readFileSync(outFile));
  assert.equal(out.sampleRateHz, RATE);
  assert.equal(out.channels, 1);
  assert.equal(out.format.encoding, 'f32');
  assert.equal(out.frames, samples.length);
  let diffs = 0;
  for (let i = 0; i < samples.length; i++) if (out.interleaved[i] !== samples[i]) diffs++;
  assert.equal(diffs, 0, `${diffs} of ${samples.length} samples changed on the way through the plugin`);
}

export interface LoggedFinal {
  windows: number;
  tags: { tag: string; p: number }[];
  ids: string[];
  line: string;
}

/** The plugin's log line for the final event (format_event_line in src/events.cc), or null. */
export function loggedFinal(log: string): LoggedFinal | null {
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

/** Polls `cond` every 20 ms for up to `ms`; returns its last value. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(20);
  return cond();
}

/** A scripted protocol-v1 server built on `ws` (which fails unmasked client frames and bad UTF-8 itself). */
export async function scriptedServer(onConnection: (ws: WebSocket, req: IncomingMessage, n: number) => void): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let n = 0;
  wss.on('connection', (ws, req) => onConnection(ws, req, n++));
  return { wss, url: `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/v1/stream?k=3` };
}

/** Sends the scripted server's begin event (mono pcm_f32le at RATE, hop 0.5 s). */
export function begin(ws: WebSocket): void {
  ws.send(JSON.stringify({ type: 'begin', protocol: 1, id: 'scripted', model: 'scripted', factors: 2, items: 1, window_s: 3, hop_s: 0.5, sample_rate: RATE, encoding: 'pcm_f32le', channels: 1, k: 3 }));
}

/** A control output port's value from jalv's "monitors" output. */
export function monitor(stdout: string, symbol: string): number {
  const m = new RegExp(`^(?:> )?${symbol} = ([-\\d.]+)$`, 'm').exec(stdout);
  assert.ok(m, `no ${symbol} in jalv's output:\n${stdout}`);
  return Number(m[1]);
}
