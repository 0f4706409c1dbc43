/**
 * `npm run bench -- onnx-infer [--seconds S] [--json]`: onnxruntime-node (CPU execution provider)
 * inference time of the paper-sized audio→factors network on 3-s log-mel windows.
 *
 *   net     128 mel bands → conv 256×4 / pool 4 → conv 256×4 / pool 2 → conv 512×4 → mean|max|l2 (1,536)
 *           → dense 2,048 → dense 2,048 → 50 factors (van den Oord et al. 2013's architecture; random
 *           weights, seed 2013: speed does not depend on the values)
 *   input   130 frames × 128 bands (130 × 512 / 22,050 Hz ≈ 3.02 s of audio) per window, random values
 *   rows    batch 1 and 32 windows per session.run, intra-op threads 1 and 2
 *
 * ms/window = median wall time of one predictWindows call ÷ batch (after a warm-up call); ×realtime =
 * window duration ÷ ms/window; GFLOP/s counts 2 FLOPs per multiply-add of the convolutions and dense
 * layers. Export (buildOnnxModel) and session creation are timed once.
 */
import * as os from 'node:os';
import { loadFactorModel } from '../src/model/onnx-factor-model';
import { macsPerWindow, PAPER_NET, parameterShapes, type NetConfig, type NetParameter } from '../trainer/cnn/net-config';
import { mulberry32 } from '../trainer/eval/prng';
import { buildOnnxModel } from '../trainer/export/onnx-net';
import { formatTable, hardwareLine, parseFlags, timeRunsAsync } from './harness';

const WINDOW_FRAMES = 130;
/** Seconds of audio in one window: frames × hop / sample rate (librosa defaults: 512, 22,050 Hz). */
const WINDOW_S = (WINDOW_FRAMES * 512) / 22050;
const BATCHES = [1, 32];
const THREADS = [1, 2];
const SEED = 2013;
const USAGE = 'usage: npm run bench -- onnx-infer [--seconds S] [--json]';

function randomParams(config: NetConfig): NetParameter[] {
  const rand = mulberry32(SEED);
  return parameterShapes(config).map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const scale = shape.length > 1 ? Math.sqrt(3 / (size / shape[0])) : 0.1; // unit-variance activations
    return { name, shape, data: Float32Array.from({ length: size }, () => (rand() * 2 - 1) * scale) };
  });
}

interface Row {
  threads: number;
  batch: number;
  msPerWindow: number;
  msPerCall: number;
  runs: number;
}

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, ['--seconds'], ['--json']);
  } catch (err) {
    process.stderr.write(`bench onnx-infer: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const minTotalS = Number(flags.get('--seconds') ?? 2);
  if (!(minTotalS > 0)) {
    process.stderr.write(`bench onnx-infer: --seconds must be > 0\n${USAGE}\n`);
    return 2;
  }

  const params = randomParams(PAPER_NET);
  const nParams = params.reduce((a, p) => a + p.data.length, 0);
  let t0 = process.hrtime.bigint();
  const bytes = buildOnnxModel(PAPER_NET, params);
  const exportS = Number(process.hrtime.bigint() - t0) / 1e9;
  const macs = macsPerWindow(PAPER_NET, WINDOW_FRAMES);
  const rand = mulberry32(SEED + 1);
  const input = Float32Array.from({ length: Math.max(...BATCHES) * WINDOW_FRAMES * 128 }, () => rand() * 80 - 60); // dB-like values

  const rows: Row[] = [];
  const loadS: Record<number, number> = {};
  for (const threads of THREADS) {
    t0 = process.hrtime.bigint();
    const model = await loadFactorModel(bytes, { threads });
    loadS[threads] = Number(process.hrtime.bigint() - t0) / 1e9;
    try {
      for (const batch of BATCHES) {
        const x = input.subarray(0, batch * WINDOW_FRAMES * 128);
        const t = await timeRunsAsync(() => model.predictWindows(x, batch, WINDOW_FRAMES), { minTotalS, minRuns: 5 });
        rows.push({ threads, batch, msPerWindow: (t.medianS * 1e3) / batch, msPerCall: t.medianS * 1e3, runs: t.runs });
      }
    } finally {
      await model.close();
    }
  }

  const out: string[] = [];
  out.push(`bench onnx-infer — ${hardwareLine()}`);
  out.push(`onnxruntime-node CPU execution provider; os.availableParallelism() ${os.availableParallelism()}; median of >= 5 calls and >= ${minTotalS} s per row, after one warm-up call`);
  out.push(`net: paper-sized, ${nParams.toLocaleString('en-US')} parameters, ONNX ${(bytes.length / 2 ** 20).toFixed(1)} MiB (export ${(exportS * 1e3).toFixed(0)} ms; session load ${Object.entries(loadS).map(([k, s]) => `${(s * 1e3).toFixed(0)} ms at ${k} thread(s)`).join(', ')})`);
  out.push(`window: ${WINDOW_FRAMES} frames × 128 bands = ${WINDOW_S.toFixed(2)} s of audio; ${(macs / 1e6).toFixed(1)} M multiply-adds per window`);
  out.push('');
  out.push(
    formatTable(
      ['threads', 'batch', 'ms/window', 'ms/call', '×realtime', 'GFLOP/s', 'runs'],
      rows.map((r) => [String(r.threads), String(r.batch), r.msPerWindow.toFixed(3), r.msPerCall.toFixed(2), (WINDOW_S / (r.msPerWindow / 1e3)).toFixed(0), ((2 * macs) / (r.msPerWindow * 1e6)).toFixed(1), String(r.runs)]),
    ),
  );
  process.stdout.write(`${out.join('\n')}\n`);
  if (flags.has('--json')) {
    const result = {
      rows: rows.map((r) => ({ threads: r.threads, batch: r.batch, ms_per_window: r.msPerWindow, ms_per_call: r.msPerCall, runs: r.runs })),
      parameters: nParams,
      model_bytes: bytes.length,
      macs_per_window: macs,
      window_frames: WINDOW_FRAMES,
      export_s: exportS,
      load_s: loadS,
      cpu: hardwareLine(),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  return 0;
}
