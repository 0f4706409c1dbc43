// FactorAverage against direct computation: the track mean of all windows, the sliding mean of the
// windows of the last `seconds` (a brute-force filter and sum), the decay mean with closed-form weights
// 2^(-(t_newest - t_i)/h), and restartFrom(t) = a fresh average of the windows starting at or after t.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FactorAverage, type AverageSettings } from '../../src/engine/factor-average';
import { mulberry32 } from '../../trainer/eval/prng';

interface W {
  tStartS: number;
  tEndS: number;
  f: Float32Array;
}

const F = 7;

/** Windows of 3.02 s every `hop` s (some hops skipped: dropped windows), random factors. */
function windows(n: number, hop: number, seed: number): W[] {
  const r = mulberry32(seed);
  const out: W[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += hop * (r() < 0.15 ? 2 : 1);
    out.push({ tStartS: t, tEndS: t + 3.02, f: Float32Array.from({ length: F }, () => r() * 2 - 1) });
  }
  return out;
}

function weightedMean(ws: readonly W[], weight: (w: W) => number): number[] {
  const s = new Array<number>(F).fill(0);
  let total = 0;
  for (const w of ws) {
    const k = weight(w);
    total += k;
    for (let j = 0; j < F; j++) s[j] += k * w.f[j];
  }
  return s.map((x) => x / total);
}

function close(actual: Float32Array, expected: number[], what: string): void {
  for (let j = 0; j < F; j++) assert.ok(Math.abs(actual[j] - expected[j]) < 1e-5, `${what}: factor ${j}: ${actual[j]} vs ${expected[j]}`);
}

function run(settings: AverageSettings, ws: readonly W[], check: (avg: FactorAverage, seen: readonly W[]) => void, keep = false): void {
  const avg = new FactorAverage(F, settings, keep);
  ws.forEach((w, i) => {
    avg.add(w.tStartS, w.tEndS, w.f);
    check(avg, ws.slice(0, i + 1));
  });
}

test('track: the mean of every window so far', () => {
  run({ mode: 'track', seconds: 20 }, windows(50, 1, 1), (avg, seen) => {
    assert.equal(avg.count, seen.length);
    close(avg.mean(), weightedMean(seen, () => 1), `after ${seen.length}`);
  });
});

test('sliding: the mean of the windows that ended within the last `seconds` of the newest (at least the newest)', () => {
  for (const [seconds, hop] of [[20, 1], [5, 0.5], [1, 2.5]] as const) {
    run({ mode: 'sliding', seconds }, windows(120, hop, 2), (avg, seen) => {
      const newest = seen[seen.length - 1].tEndS;
      const inWindow = seen.filter((w) => w.tEndS > newest - seconds);
      const expect = inWindow.length > 0 ? inWindow : [seen[seen.length - 1]];
      assert.equal(avg.count, expect.length, `${seconds} s, after ${seen.length}`);
      close(avg.mean(), weightedMean(expect, () => 1), `${seconds} s, after ${seen.length}`);
    });
  }
});

test('decay: weights 2^(-(t_newest - t_i) / half-life) over every window (closed form)', () => {
  for (const h of [10, 3, 60]) {
    run({ mode: 'decay', seconds: h }, windows(80, 1, 3), (avg, seen) => {
      const newest = seen[seen.length - 1].tEndS;
      assert.equal(avg.count, seen.length);
      close(avg.mean(), weightedMean(seen, (w) => Math.pow(2, -(newest - w.tEndS) / h)), `half-life ${h}, after ${seen.length}`);
    });
  }
});

test('restartFrom(t) equals a fresh average of the windows that start at or after t', () => {
  const ws = windows(60, 1, 4);
  for (const settings of [{ mode: 'track', seconds: 20 }, { mode: 'sliding', seconds: 8 }, { mode: 'decay', seconds: 5 }] as AverageSettings[]) {
    const avg = new FactorAverage(F, settings, true);
    for (const w of ws.slice(0, 40)) avg.add(w.tStartS, w.tEndS, w.f);
    // The detector allows forgetting windows before its first undecided candidate; t is after that.
    avg.forgetBefore(ws[25].tStartS);
    const t = ws[30].tStartS - 0.1;
    avg.restartFrom(t);
    for (const w of ws.slice(40)) avg.add(w.tStartS, w.tEndS, w.f);
    const fresh = new FactorAverage(F, settings);
    for (const w of ws.filter((x) => x.tStartS >= t)) fresh.add(w.tStartS, w.tEndS, w.f);
    assert.equal(avg.count, fresh.count, settings.mode);
    close(avg.mean(), Array.from(fresh.mean()), settings.mode);
  }
});

test('without kept windows a restart starts from the next window; clear() forgets everything', () => {
  const ws = windows(10, 1, 5);
  const avg = new FactorAverage(F, { mode: 'track', seconds: 20 });
  for (const w of ws.slice(0, 5)) avg.add(w.tStartS, w.tEndS, w.f);
  avg.restartFrom(0);
  assert.equal(avg.count, 0);
  assert.deepEqual(Array.from(avg.mean()), new Array(F).fill(0));
  avg.add(ws[5].tStartS, ws[5].tEndS, ws[5].f);
  close(avg.mean(), Array.from(ws[5].f), 'one window');
  avg.clear();
  assert.equal(avg.count, 0);
});
