/**
 * Scoring found track changes against the true ones: each true change is matched to the nearest
 * unmatched found change within ±tolerance (greedy in time order); found changes left over are false.
 * Rates: recall = matched / true changes; false changes per 5 minutes of audio.
 */

export interface ChangeScore {
  truths: number;
  hits: number;
  falses: number;
  durationS: number;
  /** found − true (s) of each hit. */
  errors: number[];
  /** True changes with no found change within tolerance (s). */
  missed: number[];
  /** Found changes matching no true change (s). */
  falseAt: number[];
}

export const TOLERANCE_S = 3;

export function scoreChanges(found: readonly number[], truth: readonly number[], durationS: number, toleranceS = TOLERANCE_S): ChangeScore {
  const used = new Set<number>();
  const errors: number[] = [];
  const missed: number[] = [];
  for (const t of truth) {
    let best = -1;
    for (let i = 0; i < found.length; i++) {
      if (used.has(i) || Math.abs(found[i] - t) > toleranceS) continue;
      if (best < 0 || Math.abs(found[i] - t) < Math.abs(found[best] - t)) best = i;
    }
    if (best < 0) missed.push(t);
    else {
      used.add(best);
      errors.push(found[best] - t);
    }
  }
  const falseAt = found.filter((_, i) => !used.has(i));
  return { truths: truth.length, hits: errors.length, falses: falseAt.length, durationS, errors, missed, falseAt };
}

export function addScores(scores: readonly ChangeScore[]): ChangeScore {
  return {
    truths: scores.reduce((a, s) => a + s.truths, 0),
    hits: scores.reduce((a, s) => a + s.hits, 0),
    falses: scores.reduce((a, s) => a + s.falses, 0),
    durationS: scores.reduce((a, s) => a + s.durationS, 0),
    errors: scores.flatMap((s) => s.errors),
    missed: scores.flatMap((s) => s.missed),
    falseAt: scores.flatMap((s) => s.falseAt),
  };
}

export function recall(s: ChangeScore): number {
  return s.truths > 0 ? s.hits / s.truths : NaN;
}

/** False changes per 5 minutes of audio. */
export function falsePer5Min(s: ChangeScore): number {
  return (s.falses / s.durationS) * 300;
}

/** Median and 90th percentile of |found − true| of the hits (s). */
export function errorQuantiles(s: ChangeScore): { median: number; p90: number } {
  const a = s.errors.map(Math.abs).sort((x, y) => x - y);
  const q = (p: number): number => (a.length === 0 ? NaN : a[Math.min(a.length - 1, Math.floor(p * a.length))]);
  return { median: q(0.5), p90: q(0.9) };
}
