/**
 * Peak picking for the track-change detector, causal: candidates are scored in order (one per block
 * boundary), and candidate d is decided once the scores up to d + ahead are known. d is a change when
 * its score is ≥ 0, no score among the `behind` candidates before it and the `ahead` after it is higher,
 * and it lies at least `gap` candidates after the previous change (the stream's start counts as one, at
 * candidate 0). Looking behind costs nothing; looking ahead delays every decision.
 */
export class PeakPicker {
  /** Scores of candidates base … base + scores.length − 1. */
  private scores: number[] = [];
  private base: number;
  private next: number;
  /** Candidate index of the last change (0: the start). */
  last = 0;

  constructor(
    private readonly behind: number,
    private readonly ahead: number,
    private readonly gap: number,
    /** Index of the first candidate scored. */
    private readonly first = 1,
  ) {
    this.base = first;
    this.next = first;
  }

  /** The first candidate not decided yet. */
  get undecided(): number {
    return this.next;
  }

  /** The index the next push scores. */
  get scored(): number {
    return this.base + this.scores.length;
  }

  /** Adds the next candidate's score; returns the candidates it lets be decided as changes. */
  push(score: number): number[] {
    this.scores.push(score);
    return this.decide(false);
  }

  /** No more scores: decides the rest with the neighbours there are. */
  finish(): number[] {
    return this.decide(true);
  }

  reset(): void {
    this.scores = [];
    this.base = this.first;
    this.next = this.first;
    this.last = 0;
  }

  private decide(final: boolean): number[] {
    const out: number[] = [];
    const scored = this.scored;
    while (this.next < scored && (final || this.next + this.ahead < scored)) {
      const d = this.next++;
      if (this.isChange(d, scored)) {
        this.last = d;
        out.push(d);
      }
    }
    // Candidates before next − behind are no one's neighbour any more.
    const keep = this.next - this.behind;
    if (keep > this.base) {
      this.scores.splice(0, keep - this.base);
      this.base = keep;
    }
    return out;
  }

  private isChange(d: number, scored: number): boolean {
    const s = this.scores[d - this.base];
    if (!(s >= 0) || d - this.last < this.gap) return false;
    for (let k = Math.max(this.base, d - this.behind); k <= Math.min(scored - 1, d + this.ahead); k++) if (this.scores[k - this.base] > s) return false;
    return true;
  }
}
