/**
 * Child processes of the `engine` benchmark: spawning with stdout read as JSON lines, a tail of stderr
 * kept for error reports, killing every child however the benchmark ends, and per-process CPU and RSS
 * read from /proc (Linux). Knows nothing of the protocol or of what the children do.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

const live = new Set<ChildProcess>();
let hooksInstalled = false;

/** SIGKILLs every child still running: on normal exit, on an uncaught error and on SIGINT/SIGTERM. */
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** The last lines the child wrote to stderr (and non-JSON stdout), for error messages. */
  tail(): string;
  /** Resolves when the child has exited, with its code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

/**
 * Spawns `node script args…`; every stdout line that parses as a JSON object goes to `onJson`, the rest
 * (and stderr) to a 40-line tail. stdin is closed.
 */
export function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv, onJson: (msg: Record<string, unknown>) => void): Child {
  installHooks();
  const proc = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  const lines: string[] = [];
  const keep = (line: string) => {
    if (!line) return;
    lines.push(line);
    if (lines.length > 40) lines.shift();
  };
  let pending = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      let msg: unknown = null;
      if (line.startsWith('{')) {
        try {
          msg = JSON.parse(line);
        } catch {
          msg = null;
        }
      }
      if (msg && typeof msg === 'object') onJson(msg as Record<string, unknown>);
      else keep(line);
    }
  });
  let errPending = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    errPending += chunk;
    const parts = errPending.split('\n');
    errPending = parts.pop() ?? '';
    for (const p of parts) keep(p.trimEnd());
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      done = true;
      live.delete(proc);
      resolve({ code, signal });
    });
    proc.on('error', (err) => {
      keep(`spawn error: ${err.message}`);
      done = true;
      live.delete(proc);
      resolve({ code: null, signal: null });
    });
  });
  return {
    proc,
    pid: proc.pid ?? -1,
    tail: () => [...lines, errPending].filter(Boolean).slice(-15).join('\n'),
    exited,
    hasExited: () => done,
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves to how it ended and how long it took. */
export async function stopChild(child: Child, graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; killed: boolean }> {
  const t0 = Date.now();
  if (child.hasExited()) return { ...(await child.exited), ms: 0, killed: false };
  child.proc.kill('SIGTERM');
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.proc.kill('SIGKILL');
  }, graceMs);
  const r = await child.exited;
  clearTimeout(timer);
  return { ...r, ms: Date.now() - t0, killed };
}

let clockTicks = 0;
function clockTicksPerS(): number {
  if (!clockTicks) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clockTicks = Number(r.stdout?.trim()) || 100;
  }
  return clockTicks;
}

export interface ProcSample {
  /** performance-clock ms (Date.now() is fine too: only differences are used). */
  tMs: number;
  /** utime + stime of all the process's threads, s. */
  cpuS: number;
  rssBytes: number;
}

/** One reading of /proc/PID/stat and /proc/PID/status; null once the process is gone (or off Linux). */
export function readProc(pid: number): ProcSample | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (proc(5)).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / clockTicksPerS();
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return { tMs: Date.now(), cpuS, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return null;
  }
}

export interface CpuFigures {
  /** Mean CPU between two readings as % of one core (200 = both cores of this VM busy). */
  corePct: number;
  /** The same as % of the whole machine (all logical cores). */
  machinePct: number;
}

export function cpuBetween(a: ProcSample | null, b: ProcSample | null): CpuFigures | null {
  if (!a || !b || b.tMs <= a.tMs) return null;
  const corePct = ((b.cpuS - a.cpuS) / ((b.tMs - a.tMs) / 1000)) * 100;
  return { corePct, machinePct: corePct / os.cpus().length };
}

/** Samples one process every `intervalMs`: the highest 1-s CPU and the peak RSS seen. */
export class ProcMonitor {
  private prev: ProcSample | null;
  private timer: NodeJS.Timeout;
  peakRssBytes = 0;
  maxCorePct = 0;

  constructor(
    readonly pid: number,
    intervalMs = 1000,
  ) {
    this.prev = readProc(pid);
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** A reading now (for the measurement's start and end marks); counts towards the peak RSS. */
  read(): ProcSample | null {
    const s = readProc(this.pid);
    if (s) this.peakRssBytes = Math.max(this.peakRssBytes, s.rssBytes);
    return s;
  }

  private sample(): void {
    const s = this.read();
    if (!s) return;
    const cpu = cpuBetween(this.prev, s);
    if (cpu) this.maxCorePct = Math.max(this.maxCorePct, cpu.corePct);
    this.prev = s;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
