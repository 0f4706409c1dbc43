/**
 * Shared benchmark plumbing: repeat-until-stable timing (median of runs), the hardware header and a
 * plain-text table. No benchmark-specific knowledge here.
 */
import * as os from 'node:os';

export interface TimingOptions {
  /** Keep repeating until the timed runs add up to at least this many seconds. */
  minTotalS: number;
  /** ...and until at least this many runs were timed (the median needs a few). */
  minRuns: number;
}

export interface Timing {
  /** Median wall time of one run, seconds. */
  medianS: number;
  runs: number;
  minS: number;
  maxS: number;
}

export const DEFAULT_TIMING: TimingOptions = { minTotalS: 1, minRuns: 5 };

function summarize(samples: number[]): Timing {
  samples.sort((a, b) => a - b);
  const mid = samples.length >> 1;
  const medianS = samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { medianS, runs: samples.length, minS: samples[0], maxS: samples[samples.length - 1] };
}

/**
 * Times `fn` (one whole pass over the input) on the calling thread. One untimed warm-up run first, so
 * JIT compilation, WASM instantiation, FFT plans and filterbanks are not charged to the first sample.
 */
export function timeRuns(fn: () => void, opts: TimingOptions = DEFAULT_TIMING): Timing {
  fn();
  const samples: number[] = [];
  let total = 0;
  while (samples.length < opts.minRuns || total < opts.minTotalS) {
    const t0 = process.hrtime.bigint();
    fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    samples.push(s);
    total += s;
  }
  return summarize(samples);
}

/** timeRuns for work that completes asynchronously (e.g. onnxruntime's session.run): each run is awaited alone. */
export async function timeRunsAsync(fn: () => Promise<unknown>, opts: TimingOptions = DEFAULT_TIMING): Promise<Timing> {
  await fn();
  const samples: number[] = [];
  let total = 0;
  while (samples.length < opts.minRuns || total < opts.minTotalS) {
    const t0 = process.hrtime.bigint();
    await fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    samples.push(s);
    total += s;
  }
  return summarize(samples);
}

/** "CPU model (N logical cores), node vX, platform arch" — printed above every result table. */
export function hardwareLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `${model} (${cpus.length} logical cores), node ${process.version}, ${process.platform}-${process.arch}`;
}

/** Left-aligns the first column, right-aligns the rest. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Parses `--flag`, `--key value` and `--key=value`; unknown keys are an error (typos are not silent). */
export function parseFlags(args: string[], valued: string[], booleans: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(0, eq) : a;
    if (booleans.includes(key) && eq < 0) {
      out.set(key, true);
    } else if (valued.includes(key)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) throw new Error(`${key} needs a value`);
      out.set(key, v);
    } else {
      throw new Error(`unknown argument "${a}" (accepted: ${[...valued, ...booleans].join(', ')})`);
    }
  }
  return out;
}

/** parseFlags for a benchmark's main(): null after printing the problem and `usage` on stderr (the caller exits 2). */
export function parseFlagsOrUsage(args: string[], valued: string[], booleans: string[], usage: string): Map<string, string | true> | null {
  try {
    return parseFlags(args, valued, booleans);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return null;
  }
}
