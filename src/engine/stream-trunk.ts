/**
 * The streaming CNN path (docs/bundle.md "Streaming pair"): each stream's trunk state and its latest
 * trunk steps live here, keyed by the batcher's stream id, on the thread that runs inference. A window
 * starting at frame s ≡ 0 (mod S) only needs the frames the trunk has not seen yet, up to s + feedFrames
 * (with a 40-frame hop: 40 new frames instead of 130), and then the head on its windowSteps steps. The
 * result equals model.onnx on the whole window (the conv and pool grids line up; tested within 1e-5).
 *
 * Anything else goes through the whole-window model: a tail window (finalize), a window off the stride
 * grid, a window of another length. A stream whose state does not continue into the window (first
 * window, reset, reload, a dropped window beyond the feed, a hop longer than the feed) restarts its trunk
 * at the window's first frame with an empty state, which is exact too: the state only saves work.
 * Streams whose chunks have equal shapes share one trunk run; all windows of a batch share one head run.
 * Memory: per stream ≈ (Σ state lengths × channels + held steps × channels) floats (≈ 16 KB for the
 * default net), freed by release() (the batcher calls it on a stream's reset and close).
 */
import type { StreamModel } from '../model/stream-model';
import type { WindowKey, WindowRunner } from './micro-batcher';

interface TrunkState {
  /** The stream's ticket (track generation) the state belongs to. */
  ticket: number;
  /** Frames fed so far (absolute, exclusive end). */
  fed: number;
  /** Per conv layer, [C_i × L_i]. */
  states: Float32Array[];
  stateFrames: number[];
  /** Held trunk steps, time-major [held × channels]; the first is step number firstStep. */
  steps: Float32Array;
  held: number;
  firstStep: number;
}

/** One window served by the trunk: its place in the batch, the stream, and where its new frames start in it. */
interface Job {
  index: number;
  key: WindowKey;
  state: TrunkState;
  /** First new frame, relative to the window's start. */
  from: number;
}

export class StreamTrunk {
  private readonly streams = new Map<number, TrunkState>();
  private running = false;
  private readonly releasedWhileRunning = new Set<number>();
  private readonly stride: number;
  private readonly feed: number;
  private readonly steps: number;
  private readonly channels: number;

  constructor(
    private readonly model: StreamModel,
    private readonly whole: WindowRunner,
    private readonly windowFrames: number,
  ) {
    const e = model.entry;
    this.stride = e.strideFrames;
    this.feed = e.feedFrames;
    this.steps = e.windowSteps;
    this.channels = e.channels;
  }

  /** Streams holding trunk state (for tests and metrics). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Forgets a stream's state (reset, close): its next window restarts the trunk. */
  release = (stream: number): void => {
    this.streams.delete(stream);
    if (this.running) this.releasedWhileRunning.add(stream);
  };

  /** A WindowRunner: `keys` tell which stream and frame each window is; without them every window runs whole. */
  readonly run: WindowRunner = async (mel, batch, frames, keys) => {
    const outputs = this.model.outputs;
    const bands = this.model.bands;
    const out = new Float32Array(batch * outputs);
    const exact: number[] = [];
    const whole: number[] = [];
    for (let i = 0; i < batch; i++) {
      const k = keys?.[i];
      if (k && !k.final && frames === this.windowFrames && k.start % this.stride === 0) exact.push(i);
      else whole.push(i);
    }
    this.running = true;
    try {
      if (whole.length > 0) {
        const size = frames * bands;
        const input = whole.length === batch ? mel : new Float32Array(whole.length * size);
        if (input !== mel) whole.forEach((i, j) => input.set(mel.subarray(i * size, (i + 1) * size), j * size));
        const r = await this.whole(input, whole.length, frames);
        whole.forEach((i, j) => out.set(r.subarray(j * outputs, (j + 1) * outputs), i * outputs));
      }
      if (exact.length > 0) await this.runExact(mel, frames * bands, exact, keys!, out);
    } finally {
      this.running = false;
      for (const id of this.releasedWhileRunning) this.streams.delete(id);
      this.releasedWhileRunning.clear();
    }
    return out;
  };

  private async runExact(mel: Float32Array, windowSize: number, exact: number[], keys: readonly WindowKey[], out: Float32Array): Promise<void> {
    // A stream's windows in one batch (a file sent faster than realtime) go in order, one per round.
    const queues = new Map<number, number[]>();
    for (const i of exact) {
      const q = queues.get(keys[i].stream);
      if (q) q.push(i);
      else queues.set(keys[i].stream, [i]);
    }
    for (const q of queues.values()) q.sort((a, b) => keys[a].start - keys[b].start);
    const T = this.steps;
    const C = this.channels;
    const headIn = new Float32Array(exact.length * C * T);
    const headRow = new Map<number, number>();
    try {
      for (;;) {
        const round: Job[] = [];
        for (const q of queues.values()) {
          const i = q.shift();
          if (i !== undefined) round.push(this.job(i, keys[i]));
        }
        if (round.length === 0) break;
        // One trunk run per shape: chunk length and state lengths.
        const groups = new Map<string, Job[]>();
        for (const j of round) {
          const shape = `${this.feed - j.from}:${j.state.stateFrames.join(',')}`;
          const g = groups.get(shape);
          if (g) g.push(j);
          else groups.set(shape, [j]);
        }
        for (const g of groups.values()) await this.trunkRun(mel, windowSize, g);
        for (const j of round) {
          const row = headRow.size;
          headRow.set(j.index, row);
          this.copyWindowSteps(j.state, j.key.start / this.stride, headIn, row);
        }
      }
    } catch (err) {
      for (const i of exact) this.streams.delete(keys[i].stream); // a failed run leaves states unknown
      throw err;
    }
    const factors = await this.model.runHead(headIn, exact.length, T);
    const f = this.model.outputs;
    for (const [i, row] of headRow) out.set(factors.subarray(row * f, (row + 1) * f), i * f);
  }

  /** The window's job: continue the stream's trunk when its state reaches into the window, else restart at the window. */
  private job(index: number, key: WindowKey): Job {
    const s = key.start;
    let state = this.streams.get(key.stream);
    const continues = state !== undefined && state.ticket === key.ticket && state.fed >= s && state.fed < s + this.feed;
    if (!continues) {
      state = { ticket: key.ticket, fed: s, states: this.model.entry.states.map(() => new Float32Array(0)), stateFrames: this.model.entry.states.map(() => 0), steps: new Float32Array(0), held: 0, firstStep: s / this.stride };
      this.streams.set(key.stream, state);
    }
    return { index, key, state: state!, from: state!.fed - s };
  }

  /** One trunk run for jobs of equal shapes; each stream's state and steps move on. */
  private async trunkRun(mel: Float32Array, windowSize: number, jobs: Job[]): Promise<void> {
    const bands = this.model.bands;
    const n = this.feed - jobs[0].from;
    const B = jobs.length;
    const input = new Float32Array(B * n * bands);
    jobs.forEach((j, b) => {
      const at = j.index * windowSize + j.from * bands;
      input.set(mel.subarray(at, at + n * bands), b * n * bands);
    });
    const layers = this.model.entry.states.length;
    const stateFrames = jobs[0].state.stateFrames;
    const states: Float32Array[] = [];
    for (let l = 0; l < layers; l++) {
      const size = jobs[0].state.states[l].length;
      const batched = new Float32Array(B * size);
      jobs.forEach((j, b) => batched.set(j.state.states[l], b * size));
      states.push(batched);
    }
    const r = await this.model.runTrunk(input, B, n, states, stateFrames);
    const C = this.channels;
    const m = r.stepCount;
    jobs.forEach((j, b) => {
      const st = j.state;
      st.states = r.states.map((x, l) => {
        const size = x.length / B;
        return x.slice(b * size, (b + 1) * size);
      });
      st.stateFrames = r.stateFrames.slice();
      // Held steps [firstStep, end) + the m new ones [end, end + m): keep those from the window's first
      // step on (later windows start later). A long hop can start the window after `end`.
      const end = st.firstStep + st.held;
      const keepFirst = Math.max(st.firstStep, j.key.start / this.stride);
      const oldKept = Math.max(0, end - keepFirst);
      const newSkipped = Math.max(0, keepFirst - end);
      const held = oldKept + m - newSkipped;
      const steps = new Float32Array(C * held);
      steps.set(st.steps.subarray((st.held - oldKept) * C, st.held * C));
      steps.set(r.steps.subarray((b * m + newSkipped) * C, (b + 1) * m * C), oldKept * C);
      st.steps = steps;
      st.held = held;
      st.firstStep = keepFirst;
      st.fed = j.key.start + this.feed;
    });
  }

  /** The window's T steps (from step `first` on) into row `row` of the head's [rows, T, C] input. */
  private copyWindowSteps(st: TrunkState, first: number, headIn: Float32Array, row: number): void {
    const T = this.steps;
    const C = this.channels;
    const offset = first - st.firstStep;
    if (offset < 0 || offset + T > st.held) throw new Error(`internal: stream trunk holds steps ${st.firstStep}..${st.firstStep + st.held}, the window needs ${first}..${first + T}`);
    headIn.set(st.steps.subarray(offset * C, (offset + T) * C), row * T * C);
  }
}
