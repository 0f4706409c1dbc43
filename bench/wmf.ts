/**
 * `npm run bench -- wmf [--shape lastfm360k|tasteprofile] [--scale S] [--factors 64] [--iterations 6]
 *  [--threads N] [--solver cg|exact] [--write-csr DIR] [--peer PYTHONPATH [--peer-python EXE]] [--json]`:
 * seconds per ALS iteration of trainWmf
 * (CPU) on a play-count matrix of a real data set's size, generated here with a fixed seed:
 *
 *   lastfm360k    358,868 users x 292,385 items, 17,559,530 non-zeros (Last.fm-360K, user x artist)
 *   tasteprofile  1,019,318 users x 384,546 items, 48,373,586 non-zeros (Echo Nest Taste Profile)
 *
 *   items   popularity Zipf(0.9) over ranks, ranks shuffled onto item ids (popular items are spread over
 *           the id space, as in real catalogues); sampled with a Vose alias table, O(1) per draw
 *   users   non-zeros per user = 1 + a log-normal(sigma 1) share of the rest, capped at items / 20,
 *           summing exactly to the target nnz; each row is drawn, sorted and de-duplicated, and redrawn
 *           for the missing entries until it has its count of distinct items
 *   counts  floor(Pareto(alpha 1.6)) >= 1, capped at 9,667 (~67 % ones, heavy tail)
 *
 * `--scale S` multiplies users, items and nnz by S (same mean row length) for quick runs. The headline
 * is the median of iterations 2..N (iteration 1 starts CG from the random initial factors and is
 * reported, not counted); peak RSS is process.resourceUsage().maxRSS after training. `--write-csr DIR`
 * writes indptr.npy / indices.npy ('<i4') and data.npy ('<f4'), so that e.g. Python `implicit` can be run
 * on the identical matrix: scipy.sparse.csr_matrix((data, indices, indptr), shape=(users, items)).
 * `--peer PYTHONPATH` then fits Python `implicit` (imported from that directory, built elsewhere) on the
 * same confidences from the same initial factors in the same run (bench/wmf-peer.ts), prints both sides'
 * seconds per iteration and their ratio, and both final objectives computed by one function (wmfLoss).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNpy } from '../src/io/npy';
import type { Csr } from '../trainer/data/csr';
import { mulberry32, type Rand } from '../trainer/eval/prng';
import { confidence } from '../trainer/wmf/confidence';
import { initialFactors, trainWmf, wmfLoss, WMF_DEFAULTS, type AlsSolver, type IterationReport, type WmfModel } from '../trainer/wmf/train';
import { formatTable, hardwareLine, parseFlags } from './harness';
import { describeThreadPools, peerProblem, runImplicitPeer, type PeerResult } from './wmf-peer';

const SHAPES = {
  lastfm360k: { users: 358_868, items: 292_385, nnz: 17_559_530 },
  tasteprofile: { users: 1_019_318, items: 384_546, nnz: 48_373_586 },
} as const;
type ShapeName = keyof typeof SHAPES;

const SEED = 20131205;
const ZIPF_S = 0.9;
const USER_SIGMA = 1.0;
/** A row may hold at most this share of the catalogue, so de-duplication never chases the Zipf tail. */
const MAX_ROW_SHARE = 1 / 20;
const COUNT_ALPHA = 1.6;
const MAX_COUNT = 9667;
const USAGE =
  'usage: npm run bench -- wmf [--shape lastfm360k|tasteprofile] [--scale S] [--factors 64] [--iterations 6] [--threads N] [--solver cg|exact] [--write-csr DIR] [--peer PYTHONPATH [--peer-python EXE]] [--json]';

interface Dims {
  users: number;
  items: number;
  nnz: number;
}

/** Vose alias table over `weights`: a draw is one uniform column and one uniform coin, O(1). */
function aliasTable(weights: Float64Array): { prob: Float64Array; alias: Int32Array } {
  const n = weights.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i];
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  let ns = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    prob[i] = (weights[i] * n) / sum;
    if (prob[i] < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns];
    const l = large[nl - 1];
    alias[s] = l;
    prob[l] -= 1 - prob[s];
    if (prob[l] < 1) {
      nl--;
      small[ns++] = l;
    }
  }
  while (nl > 0) prob[large[--nl]] = 1; // rounding leftovers
  while (ns > 0) prob[small[--ns]] = 1;
  return { prob, alias };
}

/** Non-zeros per user: 1 + log-normal share of the rest, capped, summing exactly to d.nnz. */
function rowLengths(d: Dims, rand: Rand): Int32Array {
  const cap = Math.max(1, Math.floor(d.items * MAX_ROW_SHARE));
  if (d.nnz < d.users || d.nnz > d.users * cap) throw new Error(`nnz ${d.nnz} does not fit ${d.users} users with 1..${cap} items each`);
  const w = new Float64Array(d.users);
  let sum = 0;
  for (let u = 0; u < d.users; u++) {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    sum += w[u] = Math.exp(USER_SIGMA * z);
  }
  const n = new Int32Array(d.users);
  const rest = d.nnz - d.users;
  let total = 0;
  for (let u = 0; u < d.users; u++) total += n[u] = Math.min(cap, 1 + Math.floor((w[u] / sum) * rest));
  for (let u = 0; total < d.nnz; u = (u + 1) % d.users) {
    if (n[u] < cap) {
      n[u]++;
      total++;
    }
  }
  return n;
}

/** The users x items play-count matrix, built straight into typed arrays. */
export function generatePlays(d: Dims, seed = SEED): Csr {
  const rand = mulberry32(seed);
  const lengths = rowLengths(d, rand);
  const weights = new Float64Array(d.items);
  for (let k = 0; k < d.items; k++) weights[k] = (k + 1) ** -ZIPF_S;
  const { prob, alias } = aliasTable(weights);
  const rankToItem = new Int32Array(d.items);
  for (let k = 0; k < d.items; k++) rankToItem[k] = k;
  for (let k = d.items - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    const t = rankToItem[k];
    rankToItem[k] = rankToItem[j];
    rankToItem[j] = t;
  }
  const indptr = new Int32Array(d.users + 1);
  const indices = new Int32Array(d.nnz);
  const data = new Float32Array(d.nnz);
  let off = 0;
  for (let u = 0; u < d.users; u++) {
    const n = lengths[u];
    const row = indices.subarray(off, off + n);
    let have = 0;
    while (have < n) {
      for (let k = have; k < n; k++) {
        const col = Math.floor(rand() * d.items);
        row[k] = rankToItem[rand() < prob[col] ? col : alias[col]];
      }
      row.sort();
      have = 1;
      for (let k = 1; k < n; k++) if (row[k] !== row[have - 1]) row[have++] = row[k];
    }
    for (let k = off; k < off + n; k++) data[k] = Math.min(MAX_COUNT, Math.floor((1 - rand()) ** (-1 / COUNT_ALPHA)));
    off += n;
    indptr[u + 1] = off;
  }
  return { indptr, indices, data, rows: d.users, cols: d.items };
}

function writeCsr(dir: string, m: Csr): void {
  fs.mkdirSync(dir, { recursive: true });
  writeNpy(path.join(dir, 'indptr.npy'), m.indptr, [m.indptr.length]);
  writeNpy(path.join(dir, 'indices.npy'), m.indices, [m.indices.length]);
  writeNpy(path.join(dir, 'data.npy'), m.data, [m.data.length]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface PeerRun {
  pythonPath: string;
  python: string;
  factors: number;
  iterations: number;
  threads: number;
  solver: AlsSolver;
  say: (line: string) => void;
}

/**
 * Fits implicit on the same confidences from the same initial factors as trainWmf, prints both sides'
 * seconds per iteration (wall and CPU) and the final objectives (one function, wmfLoss, for both), and returns the
 * JSON keys of the comparison.
 */
async function compareWithImplicit(plays: Csr, model: WmfModel, cpuS: number[], o: PeerRun): Promise<Record<string, unknown>> {
  const { lambda, cgSteps, seed } = WMF_DEFAULTS; // what trainWmf ran with (the benchmark passes none of them)
  const { X, Y } = initialFactors(plays.rows, plays.cols, o.factors, seed);
  o.say(`implicit (PYTHONPATH ${o.pythonPath}, ${o.python}): same confidences, same initial factors, λ ${lambda}, ${o.solver === 'cg' ? `use_cg, cg_steps ${cgSteps}` : 'exact'}, num_threads ${o.threads}`);
  const p: PeerResult = await runImplicitPeer({ ...o, matrix: { ...plays, data: confidence(plays.data) }, X0: X, Y0: Y, lambda, cgSteps });
  o.say(`implicit ${p.version} from ${p.implicitPath} (python ${p.python}, numpy ${p.numpy}, scipy ${p.scipy}); ${describeThreadPools(p.threadPools)}`);
  const lossOpts = { factors: o.factors, threads: o.threads };
  const ours = wmfLoss(plays, model.userFactors, model.itemFactors, lossOpts);
  const theirs = wmfLoss(plays, p.userFactors, p.itemFactors, lossOpts);
  const theirsOwn = p.lossNormalized * p.lossDenominator;
  const e = model.iterations.map((r) => r.seconds);
  const counted = (xs: number[]): number[] => (xs.length > 1 ? xs.slice(1) : xs);
  const es = median(counted(e));
  const ps = median(counted(p.iterationsS));
  const rows = e.map((s, k) => [`iteration ${k + 1}`, s.toFixed(2), p.iterationsS[k].toFixed(2), (s / p.iterationsS[k]).toFixed(2)]);
  rows.push([`s/iteration (median of ${e.length > 1 ? `2..${e.length}` : '1'})`, es.toFixed(2), ps.toFixed(2), (es / ps).toFixed(2)]);
  const ec = median(counted(cpuS));
  const pc = median(counted(p.iterationsCpuS));
  rows.push([`CPU s/iteration (same median)`, ec.toFixed(2), pc.toFixed(2), (ec / pc).toFixed(2)]);
  rows.push([`objective after ${e.length} (wmfLoss)`, ours.toExponential(6), theirs.toExponential(6), (ours / theirs).toFixed(6)]);
  o.say(formatTable(['', 'earshot', `implicit ${p.version}`, 'earshot ÷ implicit'], rows));
  o.say(`implicit's own calculate_loss x its denominator on its factors: ${theirsOwn.toExponential(6)} (wmfLoss: ${theirs.toExponential(6)}, relative difference ${((theirsOwn - theirs) / theirs).toExponential(2)}); implicit's whole fit() ${p.fitS.toFixed(2)} s`);
  return {
    peer: `implicit ${p.version}`,
    peer_s_per_iter: ps,
    peer_iterations_s: p.iterationsS,
    ratio_s_per_iter: es / ps,
    peer_cpu_s_per_iter: pc,
    peer_iterations_cpu_s: p.iterationsCpuS,
    ratio_cpu_s_per_iter: ec / pc,
    loss: ours,
    peer_loss: theirs,
    peer_loss_own: theirsOwn,
    peer_fit_s: p.fitS,
    peer_threadpools: describeThreadPools(p.threadPools),
  };
}

const rssGb = (): number => process.resourceUsage().maxRSS / 1024 ** 2; // maxRSS is in KiB

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, ['--shape', '--scale', '--factors', '--iterations', '--threads', '--solver', '--write-csr', '--peer', '--peer-python'], ['--json']);
  } catch (err) {
    process.stderr.write(`bench wmf: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const bad = (msg: string): number => {
    process.stderr.write(`bench wmf: ${msg}\n${USAGE}\n`);
    return 2;
  };
  const shapeName = (flags.get('--shape') ?? 'lastfm360k') as string;
  if (!(shapeName in SHAPES)) return bad(`--shape must be one of ${Object.keys(SHAPES).join(', ')}, got "${shapeName}"`);
  const scale = Number(flags.get('--scale') ?? 1);
  if (!(scale > 0 && scale <= 1)) return bad(`--scale must be in (0, 1], got ${String(flags.get('--scale'))}`);
  const int = (key: string, dflt: number): number => {
    const v = Number(flags.get(key) ?? dflt);
    return Number.isInteger(v) && v > 0 ? v : NaN;
  };
  const factors = int('--factors', 64);
  const iterations = int('--iterations', 6);
  const threads = int('--threads', os.availableParallelism());
  if ([factors, iterations, threads].some(Number.isNaN)) return bad('--factors, --iterations and --threads must be positive integers');
  const solver = (flags.get('--solver') ?? 'cg') as AlsSolver;
  if (solver !== 'cg' && solver !== 'exact') return bad(`--solver must be cg or exact, got "${solver}"`);
  const json = flags.has('--json');
  const csrDir = flags.get('--write-csr');
  const peerPath = flags.get('--peer');
  const peerPython = String(flags.get('--peer-python') ?? 'python3');
  if (flags.has('--peer-python') && peerPath === undefined) return bad('--peer-python needs --peer');
  if (typeof peerPath === 'string') {
    const problem = peerProblem(peerPath, peerPython);
    if (problem) return bad(problem);
  }

  const full = SHAPES[shapeName as ShapeName];
  const dims: Dims = { users: Math.max(1, Math.round(full.users * scale)), items: Math.max(1, Math.round(full.items * scale)), nnz: Math.round(full.nnz * scale) };
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`bench wmf — ${hardwareLine()}`);
  say(`shape ${shapeName}${scale === 1 ? '' : ` x ${scale}`}: ${dims.users.toLocaleString('en')} users x ${dims.items.toLocaleString('en')} items, ${dims.nnz.toLocaleString('en')} non-zeros (seed ${SEED})`);

  const g0 = process.hrtime.bigint();
  const plays = generatePlays(dims);
  const generateS = Number(process.hrtime.bigint() - g0) / 1e9;
  let maxRow = 0;
  for (let u = 0; u < plays.rows; u++) maxRow = Math.max(maxRow, plays.indptr[u + 1] - plays.indptr[u]);
  say(`generated in ${generateS.toFixed(2)} s (longest user row ${maxRow}); peak RSS so far ${rssGb().toFixed(2)} GB`);
  if (typeof csrDir === 'string') {
    const w0 = process.hrtime.bigint();
    writeCsr(csrDir, plays);
    say(`wrote ${csrDir}/{indptr,indices,data}.npy in ${(Number(process.hrtime.bigint() - w0) / 1e9).toFixed(2)} s`);
  }

  say(`trainWmf: factors ${factors}, solver ${solver}${solver === 'cg' ? ' (3 CG steps)' : ''}, ${threads} threads, ${iterations} iterations (CPU)`);
  const t0 = process.hrtime.bigint();
  // CPU seconds of the whole process (all solver threads) at the end of each iteration: robust to other
  // work on the machine in a way that wall time is not. Iteration 1's also holds trainWmf's setup.
  const cpu0 = process.cpuUsage();
  const cpuMarks = [0];
  const model = await trainWmf(plays, {
    factors,
    iterations,
    solver,
    threads,
    onIteration: (r: IterationReport) => {
      const u = process.cpuUsage(cpu0);
      cpuMarks.push((u.user + u.system) / 1e6);
      say(`  iteration ${r.iteration}: ${r.seconds.toFixed(2)} s (CPU ${(cpuMarks[r.iteration] - cpuMarks[r.iteration - 1]).toFixed(2)} s)`);
    },
  });
  const trainS = Number(process.hrtime.bigint() - t0) / 1e9;
  const iterS = model.iterations.map((r) => r.seconds);
  const counted = iterS.length > 1 ? iterS.slice(1) : iterS;
  const sPerIter = median(counted);
  const iterCpuS = cpuMarks.slice(1).map((c, k) => c - cpuMarks[k]);
  const cpuPerIter = median(iterCpuS.length > 1 ? iterCpuS.slice(1) : iterCpuS);
  const peak = rssGb();
  const setupS = trainS - iterS.reduce((a, b) => a + b, 0);
  say(`seconds per iteration: ${sPerIter.toFixed(2)} (median of iterations ${iterS.length > 1 ? `2..${iterS.length}` : '1'})`);
  say(`CPU seconds per iteration (all threads): ${cpuPerIter.toFixed(2)} (median of the same iterations)`);
  say(`setup inside trainWmf (checkCsr, transpose, confidence, initial factors): ${setupS.toFixed(2)} s`);
  say(`peak RSS: ${peak.toFixed(2)} GB`);

  let peer: Record<string, unknown> = {};
  if (typeof peerPath === 'string') {
    try {
      peer = await compareWithImplicit(plays, model, iterCpuS, { pythonPath: peerPath, python: peerPython, factors, iterations, threads, solver, say });
    } catch (err) {
      process.stderr.write(`bench wmf: the implicit peer failed: ${(err as Error).message}\n`);
      return 1;
    }
  }

  if (json) {
    const result = {
      shape: shapeName,
      users: dims.users,
      items: dims.items,
      nnz: dims.nnz,
      factors,
      threads,
      solver,
      s_per_iter: sPerIter,
      iterations_s: iterS,
      cpu_s_per_iter: cpuPerIter,
      iterations_cpu_s: iterCpuS,
      peak_rss_gb: peak,
      generate_s: generateS,
      scale,
      setup_s: setupS,
      cpu: hardwareLine(),
      ...peer,
    };
    say(JSON.stringify(result));
  }
  return 0;
}
