// Progress output of earshot-train's commands (trainer/commands/progress-line.ts): rate and time left
// of a running loop; on a terminal the status line is rewritten in place and each stage's line ends
// it; in a log only the stage lines appear, one per line, no carriage returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rateText, stageProgress } from '../../../trainer/commands/progress-line';

/** A stream that records what is written, a terminal or not. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) {
    s.text += chunk;
    return true;
  } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

test('rateText: count, rate and time left in seconds, minutes or hours', () => {
  assert.equal(rateText(120, 400, 20, 'clips'), '120/400 clips, 6.0/s, 47 s left');
  assert.equal(rateText(30, 4000, 200, 'steps'), '30/4000 steps, 0.15/s, 7.4 h left');
  assert.equal(rateText(10, 100, 5, 'clips'), '10/100 clips, 2.0/s, 45 s left');
  assert.equal(rateText(10, 1000, 10, 'clips'), '10/1000 clips, 1.0/s, 17 min left');
  assert.equal(rateText(0, 10, 0, 'iterations'), '0/10 iterations, 0.0/s', 'no rate yet: no time left');
});

test('stageProgress: a terminal gets the status line rewritten and ended by the stage line; a log only the stage lines', () => {
  const tty = stream(true);
  const p = stageProgress(tty, 'model');
  p.update('features: 1/2 clips');
  p.update('features: 2/2 clips');
  p.line('features: 2 clips computed');
  assert.equal(tty.text, '\r\x1b[2Kmodel: features: 1/2 clips\r\x1b[2Kmodel: features: 2/2 clips\r\x1b[2Kmodel: features: 2 clips computed\n');

  const log = stream(false);
  const q = stageProgress(log, 'model');
  q.update('features: 1/2 clips');
  q.line('features: 2 clips computed');
  q.update('cnn: 5/10 steps');
  q.line('cnn: computed in 3.0 s');
  assert.equal(log.text, 'model: features: 2 clips computed\nmodel: cnn: computed in 3.0 s\n');
});
