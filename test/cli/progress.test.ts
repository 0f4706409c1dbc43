// The ingest progress line (src/cli/progress.ts): rate and time left computed from a driven clock and
// checked against the closed form; a terminal gets one line rewritten in place, a pipe plain lines
// every 10 s, and both end with the closing line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clock, formatFinished, formatProgress, Progress } from '../../src/cli/progress';

test('clock and the progress text', () => {
  assert.deepEqual([clock(0), clock(59.4), clock(61), clock(3599), clock(3600), clock(36_061), clock(NaN), clock(-1)], ['0:00', '0:59', '1:01', '59:59', '1:00:00', '10:01:01', '?', '?']);
  // 120 of 988 in 4 s: 30 tracks/s, 868 left → 28.9 s → 0:29.
  assert.equal(formatProgress(120, 988, 4), '120/988 files, 30.0 tracks/s, 0:29 left');
  assert.equal(formatProgress(0, 988, 1), '0/988 files');
  assert.equal(formatFinished(988, 32), '988 files in 0:32, 30.9 tracks/s');
});

function sink(isTTY: boolean): { out: string[]; write: (s: string) => void; isTTY: boolean } {
  const out: string[] = [];
  return { out, write: (s) => void out.push(s), isTTY };
}

test('into a pipe: a line every 10 s, none for the last file, then the closing line', () => {
  let now = 0;
  const s = sink(false);
  const p = new Progress(4, s, () => now);
  now = 1000;
  p.tick(); // the first file: a line (nothing shown yet)
  now = 5000;
  p.tick(); // 4 s later: quiet
  now = 12_000;
  p.tick(); // 11 s after the last line
  now = 13_000;
  p.tick();
  p.clear(); // nothing on a pipe to clear
  p.finish();
  assert.deepEqual(s.out, ['1/4 files, 1.0 tracks/s, 0:03 left\n', '3/4 files, 0.3 tracks/s, 0:04 left\n', '4 files in 0:13, 0.3 tracks/s\n']);
});

test('on a terminal: the line is rewritten in place, cleared before other output and replaced by the closing line', () => {
  let now = 0;
  const s = sink(true);
  const p = new Progress(3, s, () => now);
  now = 500;
  p.tick();
  now = 600;
  p.tick(); // 0.1 s later: not redrawn
  p.clear();
  now = 700;
  p.tick(); // the last file: drawn
  p.finish();
  assert.deepEqual(s.out, ['\r\x1b[K1/3 files, 2.0 tracks/s, 0:01 left', '\r\x1b[K', '\r\x1b[K3/3 files, 4.3 tracks/s, 0:00 left', '\r\x1b[K', '3 files in 0:01, 4.3 tracks/s\n']);
});
