/**
 * One `earshot-train model … --json` run of the `model-scale` benchmark, as a child process, measured
 * from outside: wall time; the trainer's peak RSS (VmHWM of /proc/PID/status: the kernel's own high
 * water mark, exact, read every 0.5 s up to the exit); the peak of VmRSS summed over the process and
 * its descendants (feature extraction runs on worker threads inside the one process, but decoding
 * anything other than WAV spawns ffmpeg); the peak RSS during each stage, split at the trainer's
 * one-line-per-stage log on stderr; and the least free disk seen under the benchmark's folder.
 * The stderr lines are passed on; the last stdout line is the --json summary.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

const SAMPLE_MS = 500;
/** The pipeline's stage names, as its log lines start: "model: <stage>: …". */
const STAGE_LINE = /^model: (features|plays|holdout|wmf|cnn|tags|bundle): /;

export interface StagePeak {
  /** The stage whose log line ended the interval (the features interval also holds the plays file's parse). */
  stage: string;
  /** Highest sampled VmRSS of the process tree in the interval, bytes. */
  peakRssBytes: number;
}

export interface TrainerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallS: number;
  /** The --json summary (the last stdout line), or null when there is none. */
  summary: { stages: { name: string; reused: boolean; seconds: number }[]; counts: Record<string, number>; seconds: number } | null;
  /** Last stderr lines, for a failure message. */
  tail: string;
  /** VmHWM of the trainer process, bytes. */
  peakHwmBytes: number;
  /** Highest sampled VmRSS summed over the trainer and its descendants, bytes. */
  peakTreeRssBytes: number;
  /** Most descendant processes seen at once (0: everything ran inside the one process). */
  maxDescendants: number;
  stagePeaks: StagePeak[];
  /** Least free bytes seen on `diskDir`'s file system during the run. */
  minFreeBytes: number;
}

export function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited between the listing and the read
  }
}

/** Every descendant of `pid` (children of all its threads, recursively). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let text = '';
      try {
        text = fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of text.split(' ').filter(Boolean).map(Number)) {
        out.push(c);
        visit(c);
      }
    }
  };
  visit(pid);
  return out;
}

/** Runs `node <cli> <args>` in `cwd`, sampling as described above; resolves when it has exited. */
export function runTrainer(cli: string, args: string[], cwd: string, diskDir: string, passOn: (line: string) => void): Promise<TrainerRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid ?? -1;
  const stop = () => child.kill('SIGKILL');
  process.once('exit', stop); // a benchmark that fails leaves no trainer behind (Ctrl-C reaches it through the process group)
  let hwm = 0;
  let treePeak = 0;
  let maxDescendants = 0;
  let stagePeak = 0;
  let minFree = freeBytes(diskDir);
  const stagePeaks: StagePeak[] = [];
  const sample = () => {
    const kids = descendants(pid);
    const rss = (statusKb(pid, 'VmRSS') + kids.reduce((s, k) => s + statusKb(k, 'VmRSS'), 0)) * 1024;
    hwm = Math.max(hwm, statusKb(pid, 'VmHWM') * 1024);
    treePeak = Math.max(treePeak, rss);
    stagePeak = Math.max(stagePeak, rss);
    maxDescendants = Math.max(maxDescendants, kids.length);
    minFree = Math.min(minFree, freeBytes(diskDir));
  };
  const timer = setInterval(sample, SAMPLE_MS);
  const tail: string[] = [];
  let pending = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      passOn(line);
      tail.push(line);
      if (tail.length > 20) tail.shift();
      const m = STAGE_LINE.exec(line);
      if (!m) continue;
      sample();
      stagePeaks.push({ stage: m[1], peakRssBytes: stagePeak });
      stagePeak = 0;
    }
  });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout = (stdout + chunk).slice(-1 << 20); // the summary is the last line; keep the end only
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(timer);
      process.removeListener('exit', stop);
      const last = stdout.trim().split('\n').pop() ?? '';
      let summary: TrainerRun['summary'] = null;
      try {
        summary = last.startsWith('{') ? (JSON.parse(last) as TrainerRun['summary']) : null;
      } catch {
        summary = null;
      }
      if (pending) tail.push(pending);
      resolve({
        code, signal, wallS: (performance.now() - t0) / 1e3, summary, tail: tail.join('\n'),
        peakHwmBytes: hwm, peakTreeRssBytes: treePeak, maxDescendants, stagePeaks, minFreeBytes: Math.min(minFree, freeBytes(diskDir)),
      });
    });
  });
}
