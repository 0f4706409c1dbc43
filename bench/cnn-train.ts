/**
 * `npm run bench -- cnn-train [--threads N] [--batch 32] [--seconds S] [--json]`: libtorch training
 * and prediction speed of the paper-sized audio→factors network (trainer/cnn/torch-net.ts).
 *
 *   net     128 mel bands → conv 256×4 / pool 4 → conv 256×4 / pool 2 → conv 512×4 → mean|max|l2 (1,536)
 *           → dense 2,048 → dense 2,048 → 50 factors, dropout 0.5 (van den Oord et al. 2013), Adam
 *   input   130 frames × 128 bands (≈ 3.02 s of audio) per example, random dB-like values; random
 *           targets, MSE loss (the quadratic WPE loss adds one [50 × 50] product per example: noise)
 *
 * examples/s = batch ÷ median wall time of one trainStep (forward, backward, Adam update), after one
 * warm-up step; predict ms/window = median of one predict call ÷ its batch, at batch 1 and 32.
 * GFLOP/s counts 2 FLOPs per multiply-add of the forward pass, ×3 for a training step (the backward
 * pass costs about two forwards). Needs `npm run build:torch`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { macsPerWindow, PAPER_NET } from '../trainer/cnn/net-config';
import { TorchNet, torchStatus } from '../trainer/cnn/torch-net';
import { mulberry32 } from '../trainer/eval/prng';
import { formatTable, hardwareLine, parseFlags, timeRunsAsync } from './harness';

const FRAMES = 130;
/** Seconds of audio in one window: frames × hop / sample rate (librosa defaults: 512, 22,050 Hz). */
const WINDOW_S = (FRAMES * 512) / 22050;
const PREDICT_BATCHES = [1, 32];
const SEED = 2013;
const USAGE = 'usage: npm run bench -- cnn-train [--threads N] [--batch 32] [--seconds S] [--json]';

function positiveInt(flags: Map<string, string | true>, key: string, fallback: number): number {
  const v = flags.get(key);
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${key} must be a positive integer, got ${String(v)}`);
  return n;
}

export async function main(args: string[]): Promise<number> {
  let threads: number;
  let batch: number;
  let minTotalS: number;
  let json: boolean;
  try {
    const flags = parseFlags(args, ['--threads', '--batch', '--seconds'], ['--json']);
    threads = positiveInt(flags, '--threads', os.availableParallelism());
    batch = positiveInt(flags, '--batch', 32);
    minTotalS = Number(flags.get('--seconds') ?? 10);
    if (!(minTotalS > 0)) throw new Error('--seconds must be > 0');
    json = flags.has('--json');
  } catch (err) {
    process.stderr.write(`bench cnn-train: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const status = torchStatus();
  if (!status.available) {
    process.stderr.write(`bench cnn-train: ${status.reason}\n`);
    return 1;
  }

  let t0 = process.hrtime.bigint();
  const net = new TorchNet(PAPER_NET, { threads, seed: SEED, optimizer: 'adam' });
  const buildS = Number(process.hrtime.bigint() - t0) / 1e9;
  const nParams = net.parameters().reduce((a, p) => a + p.data.length, 0);
  const rand = mulberry32(SEED);
  const maxBatch = Math.max(batch, ...PREDICT_BATCHES);
  const x = Float32Array.from({ length: maxBatch * FRAMES * 128 }, () => rand() * 80 - 60); // dB-like values
  const y = Float32Array.from({ length: batch * PAPER_NET.outputs }, () => rand() * 2 - 1);
  const macs = macsPerWindow(PAPER_NET, FRAMES);

  const step = await timeRunsAsync(() => net.trainStep({ x: x.subarray(0, batch * FRAMES * 128), batch, frames: FRAMES, y }, 'mse'), { minTotalS, minRuns: 3 });
  const examplesPerS = batch / step.medianS;
  const predict = [];
  for (const b of PREDICT_BATCHES) {
    const t = await timeRunsAsync(() => net.predict(x.subarray(0, b * FRAMES * 128), b, FRAMES), { minTotalS: Math.min(minTotalS, 3), minRuns: 5 });
    predict.push({ batch: b, msPerWindow: (t.medianS * 1e3) / b, msPerCall: t.medianS * 1e3, runs: t.runs });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-cnn-train-'));
  t0 = process.hrtime.bigint();
  net.saveCheckpoint(path.join(dir, 'net.pt'));
  const checkpointS = Number(process.hrtime.bigint() - t0) / 1e9;
  const checkpointBytes = fs.statSync(path.join(dir, 'net.pt')).size;
  fs.rmSync(dir, { recursive: true, force: true });
  net.dispose();

  const out: string[] = [];
  out.push(`bench cnn-train — ${hardwareLine()}`);
  out.push(`libtorch ${status.version} (CPU), ${threads} thread(s), OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY}; median of >= 3 steps and >= ${minTotalS} s, after one warm-up step`);
  out.push(`net: paper-sized, ${nParams.toLocaleString('en-US')} parameters (built in ${(buildS * 1e3).toFixed(0)} ms); ${FRAMES} frames × 128 bands = ${WINDOW_S.toFixed(2)} s per example; ${(macs / 1e6).toFixed(1)} M multiply-adds per forward`);
  const peakRssGb = process.resourceUsage().maxRSS / 2 ** 20; // maxRSS is in KiB
  out.push(`checkpoint (weights + Adam moments): ${(checkpointBytes / 2 ** 20).toFixed(1)} MiB, written in ${(checkpointS * 1e3).toFixed(0)} ms; peak RSS ${peakRssGb.toFixed(2)} GiB`);
  out.push('');
  out.push(
    formatTable(
      ['call', 'batch', 'ms/call', 'examples/s', 'ms/example', 'GFLOP/s', 'runs'],
      [
        ['trainStep (Adam, MSE)', String(batch), (step.medianS * 1e3).toFixed(1), examplesPerS.toFixed(1), ((step.medianS * 1e3) / batch).toFixed(2), ((3 * 2 * macs * examplesPerS) / 1e9).toFixed(1), String(step.runs)],
        ...predict.map((p) => [
          'predict',
          String(p.batch),
          p.msPerCall.toFixed(2),
          (1e3 / p.msPerWindow).toFixed(1),
          p.msPerWindow.toFixed(3),
          ((2 * macs) / (p.msPerWindow * 1e6)).toFixed(1),
          String(p.runs),
        ]),
      ],
    ),
  );
  process.stdout.write(`${out.join('\n')}\n`);
  if (json) {
    const result = {
      threads,
      batch,
      train_examples_per_s: examplesPerS,
      train_step_s: step.medianS,
      train_runs: step.runs,
      predict: predict.map((p) => ({ batch: p.batch, ms_per_window: p.msPerWindow, ms_per_call: p.msPerCall, runs: p.runs })),
      parameters: nParams,
      macs_per_window: macs,
      window_frames: FRAMES,
      checkpoint_bytes: checkpointBytes,
      peak_rss_gib: peakRssGb,
      libtorch: status.version,
      omp_wait_policy: process.env.OMP_WAIT_POLICY,
      cpu: hardwareLine(),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  return 0;
}
