/**
 * The main thread's handle on inference-worker.ts: a WindowRunner whose batches run on a worker thread.
 * The mel batch is transferred, not copied. If the worker dies, pending batches fail with
 * ERR_INFERENCE_FAILED and later ones run on the fallback runner (the main thread's own session), so a
 * crashed thread costs latency, never the streams.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EarshotError } from '../errors';
import type { FactorModelOptions } from '../model/onnx-factor-model';
import type { WorkerStreamPair } from './inference-worker';
import type { WindowRunner } from './micro-batcher';

type Reply = { type: 'ready'; outputs: number } | { type: 'result'; id: number; out: ArrayBuffer } | { type: 'error' | 'fatal'; id?: number; message: string; code?: string };

export class InferenceThread {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();
  private alive = true;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    private readonly fallback: WindowRunner,
    private readonly log: (line: string) => void,
  ) {
    worker.on('message', (m: Reply) => this.onReply(m));
    worker.on('error', (err) => this.died(`inference thread failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.closing) this.died(`inference thread exited (code ${code})`);
    });
  }

  /**
   * Starts a worker with its own session on `modelPath` (and the streaming pair when given); resolves once
   * the model is loaded. A model the worker refuses keeps its code (ERR_MODEL_FORMAT for a bad pair).
   */
  static start(modelPath: string, options: FactorModelOptions, fallback: WindowRunner, log: (line: string) => void = () => undefined, stream: WorkerStreamPair | null = null): Promise<InferenceThread> {
    const worker = new Worker(path.join(__dirname, 'inference-worker.js'), { workerData: { modelPath, options, stream } });
    return new Promise((resolve, reject) => {
      const first = (m: Reply): void => {
        worker.off('error', failed);
        if (m.type === 'ready') resolve(new InferenceThread(worker, fallback, log));
        else {
          void worker.terminate();
          const code = 'code' in m && m.code === 'ERR_MODEL_FORMAT' ? 'ERR_MODEL_FORMAT' : 'ERR_INFERENCE_FAILED';
          reject(new EarshotError(code, `inference thread could not load ${modelPath}: ${'message' in m ? m.message : m.type}`));
        }
      };
      const failed = (err: Error): void => reject(new EarshotError('ERR_INFERENCE_FAILED', `inference thread could not start: ${err.message}`, { cause: err }));
      worker.once('message', first);
      worker.once('error', failed);
    });
  }

  readonly run: WindowRunner = (mel, batch, frames, keys) => {
    if (!this.alive) return this.fallback(mel, batch, frames, keys);
    const id = this.nextId++;
    // Transfer needs a buffer holding exactly this batch (the batcher allocates one per run).
    const buf = mel.byteOffset === 0 && mel.byteLength === mel.buffer.byteLength ? mel.buffer : mel.slice().buffer;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'run', id, mel: buf, batch, frames, keys }, [buf as ArrayBuffer]);
    });
  };

  /** The worker forgets a stream's trunk state (the batcher's StreamRelease). */
  readonly release = (stream: number): void => {
    if (this.alive) this.worker.postMessage({ type: 'release', stream });
  };

  private onReply(m: Reply): void {
    if (m.type === 'ready' || m.id === undefined) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'result') p.resolve(new Float32Array(m.out));
    else p.reject(new EarshotError('ERR_INFERENCE_FAILED', m.message));
  }

  private died(reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    this.log(`${reason}; inference continues on the main thread`);
    for (const p of this.pending.values()) p.reject(new EarshotError('ERR_INFERENCE_FAILED', reason));
    this.pending.clear();
  }

  /** Waits for nothing: call when no batch is pending (after the batcher is idle). */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.alive) return;
    this.alive = false;
    await this.worker.terminate();
  }
}
