/**
 * Progress of a long batch (`earshot catalog add` of a library) on stderr: files done, the rate in
 * tracks per second and the time left at that rate. On a terminal one line is rewritten in place (at
 * most every REDRAW_S); into a file or pipe a plain line is written every LOG_EVERY_S, so logs stay
 * readable. Never on stdout: the --json lines there stay exactly what they were.
 */

/** Seconds between redraws on a terminal, and between lines into a file or pipe. */
const REDRAW_S = 0.25;
const LOG_EVERY_S = 10;

/** `m:ss` (or `h:mm:ss`) for a number of seconds; `?` when unknown. */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** `120/988 files, 31.2 tracks/s, 0:28 left` (rate and time left once a file is done). */
export function formatProgress(done: number, total: number, elapsedS: number): string {
  if (done === 0 || elapsedS <= 0) return `${done}/${total} files`;
  const rate = done / elapsedS;
  return `${done}/${total} files, ${rate.toFixed(1)} tracks/s, ${clock((total - done) / rate)} left`;
}

/** The closing line: `988 files in 0:32, 31.2 tracks/s`. */
export function formatFinished(total: number, elapsedS: number): string {
  return `${total} files in ${clock(elapsedS)}${elapsedS > 0 ? `, ${(total / elapsedS).toFixed(1)} tracks/s` : ''}`;
}

export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  private done = 0;
  private readonly t0: number;
  private lastDraw = -Infinity;
  private shown = false;

  constructor(
    private readonly total: number,
    private readonly out: ProgressSink = process.stderr,
    /** Milliseconds (tests drive it). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.t0 = now();
  }

  private elapsedS(): number {
    return (this.now() - this.t0) / 1000;
  }

  /** One file more is done. */
  tick(): void {
    this.done++;
    const t = this.elapsedS();
    if (t - this.lastDraw < (this.out.isTTY ? REDRAW_S : LOG_EVERY_S) && this.done < this.total) return;
    this.lastDraw = t;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${formatProgress(this.done, this.total, t)}`);
      this.shown = true;
    } else if (this.done < this.total) {
      this.out.write(`${formatProgress(this.done, this.total, t)}\n`);
    }
  }

  /** Clears the terminal line before other output goes to the same terminal. */
  clear(): void {
    if (!this.shown) return;
    this.out.write('\r\x1b[K');
    this.shown = false;
    this.lastDraw = -Infinity; // redrawn at the next file
  }

  /** The closing line (replaces the terminal's progress line). */
  finish(): void {
    this.clear();
    this.out.write(`${formatFinished(this.total, this.elapsedS())}\n`);
  }
}
