/**
 * An analysis worker thread (analysis-pool.ts): uploads are decoded, resampled, cut into windows and run
 * through its own onnxruntime session here, never on the event loop that serves the streams. The thread
 * lowers its own scheduling priority first (Linux: nice is per thread and inherited by the threads and
 * ffmpeg processes it starts), so on a busy machine the streams' threads win the CPU.
 * Messages: {type:'analyze', id, bytes (transferred), model, pipeline, limits} →
 * {type:'result', id, factors (transferred), windows, durationS} | {type:'error', id, code, message}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { AudioInputLimits } from '../audio/input-limits';
import { loadFactorModel, type FactorModel, type FactorModelOptions } from '../model/onnx-factor-model';
import { analyzeEncodedClip } from './upload-analysis';
import type { WindowPipelineOptions } from './window-pipeline';

export interface AnalyzeRequest {
  type: 'analyze';
  id: number;
  bytes: ArrayBuffer;
  /** The model to use; `key` changes with every reload, so a reloaded bundle is loaded afresh. */
  model: { path: string; key: string; options: FactorModelOptions };
  pipeline: WindowPipelineOptions;
  limits: Partial<AudioInputLimits>;
}

const port = parentPort;
if (!port) throw new Error('analysis-worker.js must run in a worker thread');
const { nice, cancel } = workerData as { nice: number; cancel: Int32Array };

/** This thread's id (Linux /proc/thread-self → "pid/task/tid"); null elsewhere. */
function threadId(): number | null {
  try {
    return Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

const tid = threadId();
if (nice > 0 && tid !== null) {
  try {
    os.setPriority(tid, nice);
  } catch {
    // Not permitted (a container's seccomp policy): the analyses then share the CPU evenly.
  }
}

let loaded: { key: string; model: FactorModel } | null = null;

async function modelFor(m: AnalyzeRequest['model']): Promise<FactorModel> {
  if (loaded?.key === m.key) return loaded.model;
  const old = loaded;
  loaded = null;
  await old?.model.close();
  const model = await loadFactorModel(m.path, m.options);
  loaded = { key: m.key, model };
  return model;
}

// One job at a time per worker: the pool never sends a second before the first is answered.
port.on('message', (m: AnalyzeRequest) => {
  void (async () => {
    try {
      const model = await modelFor(m.model);
      // The pool stores a job's id in `cancel` when it timed out: stop at the next chunk.
      const stop = (): boolean => Atomics.load(cancel, 0) === m.id;
      const r = await analyzeEncodedClip(new Uint8Array(m.bytes), m.pipeline, model.predictWindows, model.outputs, m.limits, stop);
      const buf = r.factors.buffer as ArrayBuffer;
      port.postMessage({ type: 'result', id: m.id, factors: buf, windows: r.windows, durationS: r.durationS }, [buf]);
    } catch (err) {
      const e = err as Error & { code?: string };
      port.postMessage({ type: 'error', id: m.id, code: e?.code, message: e?.message ?? String(err) });
    }
  })();
});
port.postMessage({ type: 'ready', tid, nice: tid === null ? null : os.getPriority(tid) });
