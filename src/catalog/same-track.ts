/**
 * The playing track is never a suggestion. When the client names it (a catalogue id or uri) it is
 * excluded by that; when nobody says what is playing (a radio stream, a file not named), by its factors:
 * a catalogue song whose cosine to the audio's factor vector is at least SAME_TRACK_COSINE is taken for
 * the same recording and left out. A stream also remembers the best such song of each window until the
 * track changes (SameTrackMemory), so the playing track stays out while its running mean wanders.
 *
 * Why 0.97 (measured with `npm run bench -- same-track` on the 13 real clips of ../shared/data/audio
 * and the default bundle; bench/README.md): the cosine of a stream's running mean (a window every 1 s)
 * to the same clip's catalogued vector (POST /v1/catalog: the mean of its 3-s windows) is 0.73 after the
 * first window and rises with the time heard (median 0.983 over all 361 windows, p10 0.899); to another
 * clip's vector it has median 0.736, p99 0.968, max 0.992. The distributions overlap, so any threshold
 * trades misses against other songs left out. At 0.97 the rule (with the memory) keeps the playing
 * track out of 78 % of windows (89 % from 10 s on; without the rule it is among the top 10 in every
 * window of a catalogue of the clips), and leaves out another clip in 0.72 % of (window, clip) pairs;
 * over the default bundle's 2,000 songs plus the clips, 1.95 other songs per window (its 400 cold-start
 * predictions bunch together: 317 songs have a neighbour at cosine > 0.99). 0.98 would leave out fewer
 * other songs (0.16 per window among the clips, 1.55 with the bundle) but let the playing track into the
 * top 10 in twice as many windows (28.8 % vs 14.7 % with the bundle).
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
