/**
 * The CNN on its own thread. onnxruntime-node runs a session synchronously on the calling thread, so on
 * the event loop every batch (a few ms at hundreds of streams) would stall socket reads and event sends;
 * here the engine's main thread only decodes, computes mel and talks WebSocket, and the second core
 * runs the network. Messages: {run, id, mel (transferred), batch, frames} → {result, id, out} | {error, id, message}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadFactorModel, type FactorModelOptions } from '../model/onnx-factor-model';

interface RunMessage {
  type: 'run';
  id: number;
  mel: ArrayBuffer;
  batch: number;
  frames: number;
}

const port = parentPort;
if (!port) throw new Error('inference-worker.js must run in a worker thread');
const { modelPath, options } = workerData as { modelPath: string; options: FactorModelOptions };

loadFactorModel(modelPath, options).then(
  (model) => {
    port.postMessage({ type: 'ready', outputs: model.outputs });
    port.on('message', (m: RunMessage | { type: 'close' }) => {
      if (m.type === 'close') {
        model.close().finally(() => port.close());
        return;
      }
      model.predictWindows(new Float32Array(m.mel), m.batch, m.frames).then(
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
