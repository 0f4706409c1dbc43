/**
 * The CNN on its own thread. onnxruntime-node runs a session synchronously on the calling thread, so on
 * the event loop every batch (a few ms at hundreds of streams) would stall socket reads and event sends;
 * here the engine's main thread only decodes, computes mel and talks WebSocket, and the second core
 * runs the network. Messages: {run, id, mel (transferred), batch, frames, keys?} → {result, id, out} | {error, id, message};
 * {release, stream}: forget a stream's trunk state. With a streaming pair the batches run through
 * ./stream-trunk.ts, whose per-stream state therefore lives on this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BundleStreamEntry } from '../model/bundle-format';
import { loadFactorModel, type FactorModelOptions } from '../model/onnx-factor-model';
import { loadStreamModel } from '../model/stream-model';
import type { WindowKey, WindowRunner } from './micro-batcher';
import { StreamTrunk } from './stream-trunk';

interface RunMessage {
  type: 'run';
  id: number;
  mel: ArrayBuffer;
  batch: number;
  frames: number;
  keys?: WindowKey[];
}

/** The streaming pair to run (./stream-trunk.ts): the bundle directory, its manifest entry and the window length. */
export interface WorkerStreamPair {
  dir: string;
  entry: BundleStreamEntry;
  windowFrames: number;
}

const port = parentPort;
if (!port) throw new Error('inference-worker.js must run in a worker thread');
const { modelPath, options, stream } = workerData as { modelPath: string; options: FactorModelOptions; stream: WorkerStreamPair | null };

async function start(): Promise<{ outputs: number; run: WindowRunner; release: (stream: number) => void; close: () => Promise<void> }> {
  const model = await loadFactorModel(modelPath, options);
  if (!stream) return { outputs: model.outputs, run: model.predictWindows, release: () => undefined, close: () => model.close() };
  try {
    const pair = await loadStreamModel(stream.dir, stream.entry, { bands: model.bands, outputs: model.outputs }, options);
    const trunk = new StreamTrunk(pair, model.predictWindows, stream.windowFrames);
    return { outputs: model.outputs, run: trunk.run, release: trunk.release, close: async () => {
      await pair.close();
      await model.close();
    } };
  } catch (err) {
    await model.close();
    throw err;
  }
}

start().then(
  (runner) => {
    port.postMessage({ type: 'ready', outputs: runner.outputs });
    port.on('message', (m: RunMessage | { type: 'release'; stream: number } | { type: 'close' }) => {
      if (m.type === 'close') {
        runner.close().finally(() => port.close());
        return;
      }
      if (m.type === 'release') return runner.release(m.stream);
      runner.run(new Float32Array(m.mel), m.batch, m.frames, m.keys).then(
        (out) => {
          const copy = out.slice(); // onnxruntime's output may view a larger buffer: send exactly the values
          port.postMessage({ type: 'result', id: m.id, out: copy.buffer }, [copy.buffer]);
        },
        (err: Error) => port.postMessage({ type: 'error', id: m.id, message: err.message, code: (err as { code?: string }).code }),
      );
    });
  },
  (err: Error) => port.postMessage({ type: 'fatal', message: err.message, code: (err as { code?: string }).code }),
);
