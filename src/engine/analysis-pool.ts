/**
 * Offline analyses (POST /v1/analyze, /v1/catalog) off the event loop: a few worker threads
 * (analysis-worker.ts), a bounded FIFO queue in front of them, and a time limit per analysis. A request
 * takes a slot *before* its body is read, so a full server answers "busy" (HTTP 503 + Retry-After) at
 * once instead of buffering uploads it cannot serve; live streams keep their realtime latency because
 * their windows never wait behind an upload's decoding, resampling, mel or CNN.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EarshotError } from '../errors';
import type { AnalyzeRequest } from './analysis-worker';
import type { EncodedClipResult } from './upload-analysis';

export interface AnalysisPoolOptions {
  /** Worker threads analysing at once while live streams are open. Default 1: on a 2-core host the other core serves the streams. */
  workers: number;
  /**
   * Worker threads analysing at once while no live stream is open (a library import before the set
   * starts). Default: the CPU cores. When a stream opens, analyses already running finish (niced) and
   * no new one starts beyond `workers`, so ingest never takes the streams' realtime. Never below `workers`.
   */
  idleWorkers: number;
  /** Analyses waiting for a worker (bodies not yet read count too); beyond this: ERR_BUSY. Default 16. */
  maxQueued: number;
  /** One analysis may run this long before its worker is stopped (ERR_TIMEOUT). Default 120 s. */
  timeoutS: number;
  /** Scheduling niceness of the worker threads (Linux; 0 = same as the streams). Default 10. */
  nice: number;
  /**
   * Places one client (remote address) may hold while its bodies are still arriving. Default 4: a
   * client that starts uploads and stalls cannot take every place (they are also released when a body
   * stops arriving for the server's header timeout).
   */
  maxReadingPerClient: number;
}

export const ANALYSIS_POOL_DEFAULTS: Readonly<AnalysisPoolOptions> = Object.freeze({ workers: 1, idleWorkers: os.availableParallelism(), maxQueued: 16, timeoutS: 120, nice: 10, maxReadingPerClient: 4 });

export type AnalysisJob = Omit<AnalyzeRequest, 'type' | 'id' | 'bytes'> & { bytes: Uint8Array };

interface Pending {
  job: AnalysisJob;
  /** When a worker took it (performance.now() ms), for the Retry-After pace. */
  t0?: number;
  resolve: (r: EncodedClipResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
  timer: NodeJS.Timeout | null;
  /** The job the worker is on (answers for older ids are stale). */
  id: number;
  /** Set while a timed-out job winds down: the worker is asked to stop and is not given new work. */
  cancelling: boolean;
  /** worker's stop flag: the id of the job to abandon (Atomics, read between decoded chunks). */
  cancel: Int32Array;
}

/** A timed-out analysis gets this long to notice its stop flag before its worker is replaced (ms). */
const CANCEL_GRACE_MS = 10_000;

export interface AnalysisPoolStats {
  running: number;
  /** Timed-out analyses still winding down on their workers. */
  cancelling: number;
  queued: number;
  completed: number;
  rejected: number;
  timedOut: number;
  failed: number;
}

/** A place in the pool, taken before the upload is read: `run` it once, or `release` it unused. */
export interface AnalysisTicket {
  run(job: AnalysisJob): Promise<EncodedClipResult>;
  release(): void;
}

export class AnalysisPool {
  readonly options: AnalysisPoolOptions;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  /** Tickets held by requests still reading their bodies, in all and per client. */
  private reading = 0;
  private readonly readingBy = new Map<string, number>();
  private nextId = 1;
  private closed = false;
  /** Exponential mean of recent analysis times (s), for Retry-After. */
  private meanS = 1;
  /** Live streams now (set by the server: liveStreams()); none: up to idleWorkers analyse at once. */
  private liveStreams: () => number = () => 0;
  readonly stats: AnalysisPoolStats = { running: 0, cancelling: 0, queued: 0, completed: 0, rejected: 0, timedOut: 0, failed: 0 };

  constructor(options: Partial<AnalysisPoolOptions> = {}) {
    this.options = { ...ANALYSIS_POOL_DEFAULTS, ...options };
    const o = this.options;
    if (!Number.isInteger(o.workers) || o.workers < 1 || o.workers > 64) throw new EarshotError('ERR_INVALID_ARGUMENT', `analysis workers must be an integer in 1..64, got ${o.workers}`);
    if (!Number.isInteger(o.idleWorkers) || o.idleWorkers < 1 || o.idleWorkers > 64) throw new EarshotError('ERR_INVALID_ARGUMENT', `analysis idleWorkers must be an integer in 1..64, got ${o.idleWorkers}`);
    if (!Number.isInteger(o.maxQueued) || o.maxQueued < 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `analysis maxQueued must be an integer >= 0, got ${o.maxQueued}`);
    if (!(o.timeoutS > 0)) throw new EarshotError('ERR_INVALID_ARGUMENT', `analysis timeoutS must be > 0, got ${o.timeoutS}`);
    if (!Number.isInteger(o.maxReadingPerClient) || o.maxReadingPerClient < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `analysis maxReadingPerClient must be an integer >= 1, got ${o.maxReadingPerClient}`);
    if (!Number.isInteger(o.nice) || o.nice < 0 || o.nice > 19) throw new EarshotError('ERR_INVALID_ARGUMENT', `analysis nice must be an integer in 0..19, got ${o.nice}`);
  }

  /** Tells the pool how many live streams there are (the engine's open streams), read at each dispatch. */
  countLiveStreams(count: () => number): void {
    this.liveStreams = count;
  }

  /** Analyses that may run at once now: `workers` while streams are live, else idleWorkers (at least `workers`). */
  workerLimit(): number {
    return this.liveStreams() > 0 ? this.options.workers : Math.max(this.options.workers, this.options.idleWorkers);
  }

  /** Seconds a refused client should wait: the queue ahead of it at the recent pace (1..60). */
  retryAfterS(): number {
    const ahead = this.queue.length + this.reading + this.stats.running;
    return Math.min(60, Math.max(1, Math.ceil((this.meanS * ahead) / this.workerLimit())));
  }

  /** Takes a place for `client` (its address) or throws ERR_BUSY (every worker busy and the queue full). */
  reserve(client = ''): AnalysisTicket {
    if (this.closed) throw new EarshotError('ERR_BUSY', 'the server is shutting down');
    const mine = this.readingBy.get(client) ?? 0;
    if (mine >= this.options.maxReadingPerClient) {
      this.stats.rejected++;
      throw new EarshotError('ERR_BUSY', `this client already has ${mine} uploads arriving (at most ${this.options.maxReadingPerClient}); retry in ${this.retryAfterS()} s`);
    }
    const held = this.stats.running + this.queue.length + this.reading;
    const limit = this.workerLimit();
    if (held >= limit + this.options.maxQueued) {
      this.stats.rejected++;
      throw new EarshotError('ERR_BUSY', `${this.stats.running} analyses are running and ${held - this.stats.running} waiting (the limit is ${limit} + ${this.options.maxQueued}); retry in ${this.retryAfterS()} s`);
    }
    this.reading++;
    this.readingBy.set(client, mine + 1);
    const doneReading = (): void => {
      this.reading--;
      const n = (this.readingBy.get(client) ?? 1) - 1;
      if (n > 0) this.readingBy.set(client, n);
      else this.readingBy.delete(client);
    };
    let used = false;
    return {
      run: (job) => {
        if (used) throw new EarshotError('ERR_INVALID_STATE', 'an analysis ticket runs once');
        used = true;
        doneReading();
        return this.enqueue(job);
      },
      release: () => {
        if (used) return;
        used = true;
        doneReading();
      },
    };
  }

  private enqueue(job: AnalysisJob): Promise<EncodedClipResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new EarshotError('ERR_BUSY', 'the server is shutting down'));
      this.queue.push({ job, resolve, reject });
      this.stats.queued = this.queue.length;
      this.dispatch();
    });
  }

  private dispatch(): void {
    const limit = this.workerLimit();
    while (this.queue.length > 0) {
      // Timed-out jobs winding down count as running: they still hold their CPU.
      if (this.slots.filter((s) => s.busy !== null || s.cancelling).length >= limit) return;
      let slot = this.slots.find((s) => s.busy === null && !s.cancelling);
      if (!slot && this.slots.length < limit) slot = this.spawn();
      if (!slot) return;
      const p = this.queue.shift()!;
      this.stats.queued = this.queue.length;
      this.start(slot, p);
    }
  }

  private spawn(): Slot {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(path.join(__dirname, 'analysis-worker.js'), { workerData: { nice: this.options.nice, cancel } });
    const slot: Slot = { worker, busy: null, timer: null, id: 0, cancelling: false, cancel };
    worker.on('message', (m: { type: string; id?: number; factors?: ArrayBuffer; windows?: number; durationS?: number; code?: string; message?: string }) => {
      if (m.type === 'ready' || m.id !== slot.id) return;
      if (slot.cancelling) {
        // The timed-out job has stopped: its client was answered already; the worker takes new work.
        this.settleCancel(slot);
        return;
      }
      if (!slot.busy) return;
      const p = this.finish(slot);
      if (m.type === 'result') {
        this.stats.completed++;
        p.resolve({ factors: new Float32Array(m.factors!), windows: m.windows!, durationS: m.durationS! });
      } else {
        p.reject(new EarshotError((m.code as never) ?? 'ERR_INFERENCE_FAILED', m.message ?? 'analysis failed'));
      }
      this.dispatch();
    });
    const gone = (why: string): void => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      if (slot.timer) clearTimeout(slot.timer);
      if (slot.cancelling) {
        slot.cancelling = false;
        this.stats.cancelling--;
      }
      if (slot.busy && !slot.cancelling) {
        this.stats.failed++;
        this.finish(slot).reject(new EarshotError('ERR_INFERENCE_FAILED', `the analysis worker ${why}`));
      }
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (err) => gone(`failed: ${err.message}`));
    worker.on('exit', (code) => gone(`exited (code ${code})`));
    worker.unref(); // an idle pool never keeps the process alive
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, p: Pending): void {
    slot.busy = p;
    slot.id = this.nextId++;
    this.stats.running++;
    p.t0 = performance.now();
    slot.timer = setTimeout(() => this.timeOut(slot), this.options.timeoutS * 1000);
    const { bytes, ...rest } = p.job;
    // Transfer the upload when it owns its whole buffer; otherwise send an exact copy. (A body under 4 KiB
    // is a view into Node's shared 8-KiB Buffer pool, and Buffer#slice does not copy: posting its buffer
    // sent the worker other requests' bytes.)
    const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : Uint8Array.prototype.slice.call(bytes).buffer;
    const msg: AnalyzeRequest = { type: 'analyze', id: slot.id, bytes: buf, ...rest };
    slot.worker.postMessage(msg, [buf]);
  }

  /**
   * A job past its time limit: its client is answered now (ERR_TIMEOUT) and the worker is asked to stop
   * at its next chunk. Workers are never terminated mid-job: tearing a thread down inside a native call
   * (onnxruntime, the mel kernels) aborts the whole process. One that ignores the request for
   * CANCEL_GRACE_MS is set aside (terminated once it answers) and a fresh worker takes its place.
   */
  private timeOut(slot: Slot): void {
    this.stats.timedOut++;
    const stuck = this.finish(slot);
    stuck.reject(new EarshotError('ERR_TIMEOUT', `the analysis took longer than ${this.options.timeoutS} s and was stopped`));
    slot.cancelling = true;
    this.stats.cancelling++;
    Atomics.store(slot.cancel, 0, slot.id);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1); // no longer counted: a new worker may start
      this.dispatch();
    }, CANCEL_GRACE_MS);
    slot.timer.unref();
    this.dispatch();
  }

  private settleCancel(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.cancelling = false;
    this.stats.cancelling--;
    if (!this.slots.includes(slot) || this.closed) {
      void slot.worker.terminate(); // set aside earlier, idle now: safe to stop
      return;
    }
    this.dispatch();
  }

  private finish(slot: Slot): Pending {
    const p = slot.busy!;
    slot.busy = null;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    this.stats.running--;
    const took = (performance.now() - (p.t0 ?? performance.now())) / 1000;
    this.meanS = 0.8 * this.meanS + 0.2 * took;
    return p;
  }

  /** Refuses what waits, asks running analyses to stop (they fail with ERR_BUSY), then ends the workers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new EarshotError('ERR_BUSY', 'the server is shutting down'));
    this.stats.queued = 0;
    const slots = this.slots.splice(0);
    const idle = slots.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.busy && !s.cancelling) return resolve();
          if (s.busy) {
            this.finish(s).reject(new EarshotError('ERR_BUSY', 'the server is shutting down'));
            Atomics.store(s.cancel, 0, s.id);
          }
          s.worker.once('message', () => resolve());
          s.worker.once('exit', () => resolve());
          // A worker stopping at its next chunk may be slow to get there (niced, on a loaded machine):
          // terminating it inside a native call aborts the process, so it gets the full grace first.
          setTimeout(resolve, CANCEL_GRACE_MS).unref(); // a worker stuck in native code: terminate anyway
        }),
    );
    await Promise.all(idle);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
