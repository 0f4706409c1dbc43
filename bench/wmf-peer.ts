/**
 * The `wmf` benchmark's peer: Python `implicit`'s CPU ALS (conjugate gradient, or exact) timed on the identical
 * problem in the same run. The matrix, the confidences (earshot's own, so both sides fit the same
 * numbers) and earshot's initial factors are written to a temporary directory; bench/wmf-peer.py
 * (which only imports implicit from the PYTHONPATH given) fits from them and leaves its trained factors
 * there. Nothing of implicit is built or installed here: the caller points at a checkout built elsewhere.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy, writeNpy } from '../src/io/npy';
import type { Csr } from '../trainer/data/csr';
import { REPO_ROOT } from './clip';

export interface PeerInput {
  /** Directory put first on the child's PYTHONPATH: an implicit source tree with its extensions built. */
  pythonPath: string;
  /** The interpreter (its numpy/scipy/threadpoolctl are the ones implicit was built against). */
  python: string;
  /** users x items, `data` = the confidences both sides fit. */
  matrix: Csr;
  X0: Float32Array;
  Y0: Float32Array;
  factors: number;
  iterations: number;
  threads: number;
  lambda: number;
  solver: 'cg' | 'exact';
  cgSteps: number;
}

export interface PeerThreadPool {
  internal_api: string;
  version: string | null;
  architecture?: string | null;
  num_threads: number;
  threading_layer?: string | null;
  filepath: string;
}

export interface PeerResult {
  version: string;
  /** Where implicit was imported from, and the interpreter's numpy/scipy/python versions. */
  implicitPath: string;
  numpy: string;
  scipy: string;
  python: string;
  /** fit_callback's seconds per iteration (user solve + item solve). */
  iterationsS: number[];
  /** Process CPU seconds (all threads) per iteration; the first also holds fit()'s setup. */
  iterationsCpuS: number[];
  /** The whole fit() call: transpose, checks and the iterations. */
  fitS: number;
  /** implicit's calculate_loss (objective / denominator) and that denominator. */
  lossNormalized: number;
  lossDenominator: number;
  threadPools: PeerThreadPool[];
  userFactors: Float32Array;
  itemFactors: Float32Array;
}

const PEER_SCRIPT = path.join(REPO_ROOT, 'bench', 'wmf-peer.py');

function peerEnv(pythonPath: string): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: [path.resolve(pythonPath), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
}

/**
 * Before anything is generated or timed: null when `python` imports implicit's compiled ALS from
 * `pythonPath`, else what is wrong (a missing package directory, or the interpreter's own error).
 */
export function peerProblem(pythonPath: string, python: string): string | null {
  if (!fs.existsSync(path.join(pythonPath, 'implicit', '__init__.py'))) {
    return `--peer ${pythonPath}: no implicit/__init__.py there (give the directory that holds the implicit package)`;
  }
  const r = spawnSync(python, ['-c', 'import implicit.cpu._als'], { env: peerEnv(pythonPath), encoding: 'utf8' });
  if (r.error) return `cannot run ${python}: ${r.error.message}`;
  if (r.status !== 0) return `${python} cannot import implicit.cpu._als from ${pythonPath}: ${(r.stderr ?? '').trim().split('\n').at(-1)}`;
  return null;
}

function runPython(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    // stderr goes straight to ours (implicit's warnings, a traceback); stdout is the JSON line.
    const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', (err) => reject(new Error(`cannot run ${python}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${python} ${path.basename(PEER_SCRIPT)} failed (${signal ?? `exit code ${code}`}); its stderr is above`));
    });
  });
}

/** Fits implicit on `input` in a child process; resolves to its timings, loss and trained factors. */
export async function runImplicitPeer(input: PeerInput): Promise<PeerResult> {
  const m = input.matrix;
  const f = input.factors;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-wmf-peer-'));
  try {
    writeNpy(path.join(work, 'indptr.npy'), m.indptr, [m.indptr.length]);
    writeNpy(path.join(work, 'indices.npy'), m.indices, [m.indices.length]);
    writeNpy(path.join(work, 'confidence.npy'), m.data, [m.data.length]);
    writeNpy(path.join(work, 'user_factors0.npy'), input.X0, [m.rows, f]);
    writeNpy(path.join(work, 'item_factors0.npy'), input.Y0, [m.cols, f]);
    const args = [PEER_SCRIPT, work, m.rows, m.cols, f, input.iterations, input.threads, input.lambda, input.solver, input.cgSteps].map(String);
    const out = await runPython(input.python, args, peerEnv(input.pythonPath));
    const line = out.trim().split('\n').at(-1) ?? '';
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${path.basename(PEER_SCRIPT)} printed no JSON line; its stdout ended with: ${line.slice(0, 200)}`);
    }
    const factorsOf = (name: string, rows: number): Float32Array => {
      const a = readNpy(path.join(work, name));
      if (!(a.data instanceof Float32Array) || a.data.length !== rows * f) throw new Error(`${name}: expected ${rows} x ${f} float32, got shape (${a.shape.join(', ')}) ${a.descr}`);
      return a.data;
    };
    return {
      version: String(r.implicit_version),
      implicitPath: String(r.implicit_path),
      numpy: String(r.numpy_version),
      scipy: String(r.scipy_version),
      python: String(r.python),
      iterationsS: r.iterations_s as number[],
      iterationsCpuS: r.iterations_cpu_s as number[],
      fitS: r.fit_s as number,
      lossNormalized: r.loss_normalized as number,
      lossDenominator: r.loss_denominator as number,
      threadPools: r.threadpools as PeerThreadPool[],
      userFactors: factorsOf('user_factors.npy', m.rows),
      itemFactors: factorsOf('item_factors.npy', m.cols),
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** One line per BLAS/OpenMP pool, e.g. "openblas 0.3.21 Cooperlake pthreads, 2 threads". */
export function describeThreadPools(pools: PeerThreadPool[]): string {
  return pools
    .map((p) => [p.internal_api, p.version, p.architecture, p.threading_layer].filter((v) => v !== null && v !== undefined).join(' ') + `, ${p.num_threads} threads`)
    .join('; ');
}
