/**
 * The playing track is never a suggestion. When the client names it (a catalogue id or uri) it is
 * excluded by that; when nobody says what is playing (a radio stream, a file not named), by its factors:
 * a catalogue song whose cosine to the audio's factor vector is at least SAME_TRACK_COSINE is taken for
 * the same recording and left out. A stream also remembers the best such song of each window until the
 * track changes (SameTrackMemory), so the playing track stays out while its running mean wanders.
 *
 * Why 0.97 (measured with `npm run bench -- same-track` on the 13 real clips of ../shared/data/audio;
 * bench/README.md, docs/catalog.md): the cosine of a stream's running mean (a window every 1 s) to the same
 * clip's catalogued vector (POST /v1/catalog: the mean of its 3-s windows) rises with the time heard; to
 * another clip's vector it is lower, but the distributions overlap, so any threshold trades misses against
 * other songs left out. Chosen on the previous default model (the track out of 78 % of windows, 1.95 other
 * songs a window); on the default model of 9399df2 (629 songs): median 0.976 to itself, p99 0.949 / max
 * 0.977 to another clip; 0.97 keeps the track out of 57 % of windows at 0.07 other songs a window, 0.95 of
 * 76 % at 0.22.
 * Only a name is exact: send it where it is known (the stream URL's `track`, `reset.track`).
 */

/** Cosine (factor vectors) from which a catalogue song is taken for the track playing. */
export const SAME_TRACK_COSINE = 0.97;

/**
 * A stream's memory of the catalogue rows taken for its playing track: the best row at
 * ≥ SAME_TRACK_COSINE of each window joins it, and stays excluded until `clear()` (a new track).
 */
export class SameTrackMemory {
  /** Rows remembered; bounded by the number of windows since the track began (one a window at most). */
  readonly rows = new Set<number>();

  clear(): void {
    this.rows.clear();
  }
}

/**
 * Per search: accept(row, cosine) is false for rows taken for the playing track (cosine ≥ the threshold
 * or remembered). Hits are offered best first, possibly more than once (a widening search starts over),
 * so it only keeps the highest cosine it refused, which `remember()` adds to the memory.
 */
export class SameTrackFilter {
  private best = -1;
  private bestCosine = -Infinity;

  constructor(
    private readonly memory: SameTrackMemory | null,
    readonly threshold: number = SAME_TRACK_COSINE,
  ) {}

  accept(row: number, cosine: number): boolean {
    if (cosine >= this.threshold) {
      if (cosine > this.bestCosine || (cosine === this.bestCosine && row < this.best)) {
        this.best = row;
        this.bestCosine = cosine;
      }
      return false;
    }
    return !(this.memory?.rows.has(row) ?? false);
  }

  /** The best refused row (null when none reached the threshold). */
  get match(): { row: number; cosine: number } | null {
    return this.best < 0 ? null : { row: this.best, cosine: this.bestCosine };
  }

  /** Adds the best refused row to the memory (a stream's window: the track stays excluded). */
  remember(): void {
    if (this.memory && this.best >= 0) this.memory.rows.add(this.best);
  }
}
