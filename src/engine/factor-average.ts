/**
 * How a stream averages its window predictions into the factor vector its events report:
 *
 * - `track`: every window since the start of the track (the paper's clip prediction, running): the
 *   mean over windows i of f_i. The sum is float64 in window order, as offline analysis sums it.
 * - `sliding`: the windows whose audio ends within the last `seconds` of the newest window's end
 *   (t_end,i > t_end,newest − seconds; always at least the newest window).
 * - `decay`: exponential forgetting by audio time: weights w_i = 2^(−(t_end,newest − t_end,i) / seconds)
 *   (`seconds` is the half-life), mean = Σ w_i f_i / Σ w_i, kept as two running sums.
 *
 * restartFrom(t) starts the average over at a track change found at t seconds (after the fact: the
 * detector sees a change some seconds late), keeping the windows that start at or after t. For that,
 * with `keepForRestart`, windows are kept whatever the mode until forgetBefore() says no change can
 * come before them any more.
 */
import type { MeanMode } from '../protocol/query';

export interface AverageSettings {
  mode: MeanMode;
  /** sliding: the length of the window (s); decay: the half-life (s); ignored by track. */
  seconds: number;
}

interface Entry {
  tStartS: number;
  tEndS: number;
  factors: Float32Array;
}

export class FactorAverage {
  /** Windows still needed, from `head` on: by a sliding mean, or by a restart. */
  private entries: Entry[] = [];
  private head = 0;
  /** Σ w_i f_i and Σ w_i (decay: at the newest window's time; else every w_i is 1) over `n` windows. */
  private readonly sum: Float64Array;
  private weight = 0;
  private n = 0;
  private newestEndS = -Infinity;

  constructor(
    readonly factors: number,
    readonly settings: AverageSettings,
    /** Keep windows for restartFrom (else a restart starts from the next window). */
    private readonly keepForRestart = false,
  ) {
    this.sum = new Float64Array(factors);
  }

  /** Windows in the average (in `decay`, all since the (re)start, however small their weight now). */
  get count(): number {
    return this.n;
  }

  /** Adds one window's prediction (windows come in time order). */
  add(tStartS: number, tEndS: number, f: Float32Array): void {
    const s = this.sum;
    const mode = this.settings.mode;
    if (mode === 'decay' && this.n > 0) {
      // Older windows fade by the audio time that passed since the newest one (never by a negative amount).
      const k = Math.pow(2, -Math.max(0, tEndS - this.newestEndS) / this.settings.seconds);
      for (let j = 0; j < s.length; j++) s[j] *= k;
      this.weight *= k;
    }
    for (let j = 0; j < s.length; j++) s[j] += f[j];
    this.weight += 1;
    this.n++;
    this.newestEndS = Math.max(this.newestEndS, tEndS);
    if (mode === 'sliding' || this.keepForRestart) this.entries.push({ tStartS, tEndS, factors: f });
    if (mode === 'sliding') this.slide();
    this.compact();
  }

  /** The average now (zeros before the first window). */
  mean(): Float32Array {
    const d = this.settings.mode === 'decay' ? this.weight : this.n;
    return Float32Array.from(this.sum, (x) => (this.n > 0 ? x / d : 0));
  }

  /** Starts over from the windows that start at or after `tS` (seconds, as the windows' times; a microsecond earlier counts as at). */
  restartFrom(tS: number): void {
    const keep = this.live().filter((e) => e.tStartS >= tS - 1e-6);
    this.clear();
    for (const e of keep) this.add(e.tStartS, e.tEndS, e.factors);
  }

  /** Forgets every window. */
  clear(): void {
    this.sum.fill(0);
    this.weight = 0;
    this.n = 0;
    this.newestEndS = -Infinity;
    this.entries = [];
    this.head = 0;
  }

  private live(): Entry[] {
    return this.entries.slice(this.head);
  }

  /** sliding: takes the windows that ended `seconds` or more before the newest one out of the sum. */
  private slide(): void {
    const from = this.newestEndS - this.settings.seconds;
    const s = this.sum;
    // The newest window always stays, even when it is longer ago than `seconds` after the previous one.
    while (this.n > 1 && this.entries[this.head].tEndS <= from) {
      const f = this.entries[this.head++].factors;
      for (let j = 0; j < s.length; j++) s[j] -= f[j];
      this.n--;
    }
  }

  /** No restart will come before tS: windows that start earlier are only kept if a sliding sum holds them. */
  forgetBefore(tS: number): void {
    if (this.settings.mode === 'sliding') return;
    while (this.head < this.entries.length && this.entries[this.head].tStartS < tS - 1e-6) this.head++;
    this.compact();
  }

  /** Moves the live entries to the front once the forgotten ones are the majority (amortised O(1)). */
  private compact(): void {
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
