/**
 * The paper's clip prediction (van den Oord et al. 2013, §5): the mean of the CNN's outputs over a clip's
 * windows. Windows arrive in order (from a WindowPipeline) and are predicted in batches of equal-length
 * windows as they come, so a long clip never holds more than one batch of mel in memory. The sum is
 * float64 in window order, as a stream accumulates it, so offline and streamed results agree.
 */
import type { MelWindow } from './window-pipeline';

/** `batch` windows of `frames` × bands, back to back → batch × factors, row-major. */
export type WindowPredictor = (mel: Float32Array, batch: number, frames: number) => Promise<Float32Array>;

/** Windows per onnxruntime call (the memory bound: ≈ 0.4 MB of activations per window for the paper's net). */
export const WINDOW_MEAN_BATCH = 64;

export class WindowMean {
  private readonly sum: Float64Array;
  private pending: MelWindow[] = [];
  private n = 0;

  constructor(
    private readonly predict: WindowPredictor,
    readonly factors: number,
    private readonly batch = WINDOW_MEAN_BATCH,
  ) {
    this.sum = new Float64Array(factors);
  }

  /** Windows counted so far (predicted or pending). */
  get windows(): number {
    return this.n + this.pending.length;
  }

  /** Queues windows; predicts whenever a full batch of equal-length windows is ready. */
  async add(windows: readonly MelWindow[]): Promise<void> {
    for (const w of windows) {
      if (this.pending.length > 0 && (this.pending[0].frames !== w.frames || this.pending.length >= this.batch)) await this.flush();
      this.pending.push(w);
    }
    if (this.pending.length >= this.batch) await this.flush();
  }

  /** Predicts what is pending and returns the mean (zeros when there were no windows). */
  async mean(): Promise<Float32Array> {
    await this.flush();
    return Float32Array.from(this.sum, (s) => (this.n > 0 ? s / this.n : 0));
  }

  private async flush(): Promise<void> {
    const ws = this.pending;
    if (ws.length === 0) return;
    this.pending = [];
    const per = ws[0].mel.length;
    const mel = new Float32Array(ws.length * per);
    ws.forEach((w, i) => mel.set(w.mel, i * per));
    const out = await this.predict(mel, ws.length, ws[0].frames);
    const f = this.factors;
    for (let w = 0; w < ws.length; w++) for (let c = 0; c < f; c++) this.sum[c] += out[w * f + c];
    this.n += ws.length;
  }
}
