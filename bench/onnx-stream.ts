/**
 * `npm run bench -- onnx-stream [--bundle models/default] [--hop-frames 40] [--seconds S] [--json]`:
 * onnxruntime-node time per window of a bundle's CNN on the two stream paths, side by side in one
 * process: 'window' = model.onnx on each whole 130-frame window (predictWindows), 'stream' = the
 * streaming pair as the engine runs it (src/engine/stream-trunk.ts: the trunk on the hop's new frames
 * after each stream's state, then the head on the window's steps), in steady state (every stream past its
 * first window). Rows: batch 1 and 32 windows per call (32 = 32 streams advancing one hop together),
 * intra-op threads 1. ms/window = median wall time of one call ÷ batch (after a warm-up call).
 */
import * as path from 'node:path';
import { StreamTrunk } from '../src/engine/stream-trunk';
import type { WindowKey } from '../src/engine/micro-batcher';
import { loadBundle } from '../src/model/bundle';
import { mulberry32 } from '../trainer/eval/prng';
import { REPO_ROOT } from './clip';
import { formatTable, hardwareLine, parseFlags, timeRunsAsync } from './harness';

const USAGE = 'usage: npm run bench -- onnx-stream [--bundle models/default] [--hop-frames 40] [--seconds S] [--json]';
const BATCHES = [1, 32];

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, ['--bundle', '--hop-frames', '--seconds'], ['--json']);
  } catch (err) {
    process.stderr.write(`bench onnx-stream: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const minTotalS = Number(flags.get('--seconds') ?? 2);
  const hop = Number(flags.get('--hop-frames') ?? 40);
  const dir = String(flags.get('--bundle') ?? path.join(REPO_ROOT, 'models', 'default'));
  const bundle = await loadBundle(dir, { threads: 1 }, 'load');
  try {
    const pair = bundle.stream;
    const W = bundle.manifest.windowFrames;
    if (!pair) {
      process.stderr.write(`bench onnx-stream: ${dir} has no streaming pair (earshot-train stream-pair --bundle ${dir})\n`);
      return 2;
    }
    if (!(minTotalS > 0) || !Number.isInteger(hop) || hop < 1 || hop % pair.entry.strideFrames !== 0 || hop > pair.entry.feedFrames) {
      process.stderr.write(`bench onnx-stream: --seconds must be > 0 and --hop-frames a multiple of ${pair.entry.strideFrames} up to ${pair.entry.feedFrames}\n${USAGE}\n`);
      return 2;
    }
    const bands = bundle.model.bands;
    const rand = mulberry32(17);
    const input = Float32Array.from({ length: Math.max(...BATCHES) * W * bands }, () => rand() * 80 - 60); // dB-like values
    const rows: { path: string; batch: number; msPerWindow: number; msPerCall: number; runs: number }[] = [];
    for (const batch of BATCHES) {
      const x = input.subarray(0, batch * W * bands);
      const whole = await timeRunsAsync(() => bundle.model.predictWindows(x, batch, W), { minTotalS, minRuns: 5 });
      rows.push({ path: 'window', batch, msPerWindow: (whole.medianS * 1e3) / batch, msPerCall: whole.medianS * 1e3, runs: whole.runs });
      // `batch` streams, each one hop further per call: after the first (warm-up) call every window continues its stream's trunk.
      const trunk = new StreamTrunk(pair, bundle.model.predictWindows, W);
      let call = 0;
      const next = () => {
        const keys: WindowKey[] = Array.from({ length: batch }, (_, i) => ({ stream: i + 1, ticket: 0, start: call * hop, final: false }));
        call++;
        return trunk.run(x, batch, W, keys);
      };
      const streamed = await timeRunsAsync(next, { minTotalS, minRuns: 5 });
      rows.push({ path: 'stream', batch, msPerWindow: (streamed.medianS * 1e3) / batch, msPerCall: streamed.medianS * 1e3, runs: streamed.runs });
    }
    const out: string[] = [`bench onnx-stream — ${hardwareLine()}`];
    out.push(`bundle ${dir}: ${W}-frame windows, hop ${hop} frames; streaming pair stride ${pair.entry.strideFrames}, feed ${pair.entry.feedFrames} frames, ${pair.entry.windowSteps} steps per window; 1 intra-op thread; median of >= 5 calls and >= ${minTotalS} s per row`);
    out.push('');
    out.push(formatTable(['path', 'batch', 'ms/window', 'ms/call', 'runs'], rows.map((r) => [r.path, String(r.batch), r.msPerWindow.toFixed(3), r.msPerCall.toFixed(2), String(r.runs)])));
    for (const batch of BATCHES) {
      const w = rows.find((r) => r.path === 'window' && r.batch === batch)!;
      const s = rows.find((r) => r.path === 'stream' && r.batch === batch)!;
      out.push(`batch ${batch}: window/stream = ${(w.msPerWindow / s.msPerWindow).toFixed(2)}x`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
    if (flags.has('--json')) process.stdout.write(`${JSON.stringify({ bundle: dir, hop_frames: hop, rows: rows.map((r) => ({ path: r.path, batch: r.batch, ms_per_window: r.msPerWindow, ms_per_call: r.msPerCall, runs: r.runs })), cpu: hardwareLine() })}\n`);
    return 0;
  } finally {
    await bundle.close();
  }
}
