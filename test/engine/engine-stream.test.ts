// EngineStream without a socket: the running mean equals the mean of the model over the same windows,
// and a finalize that is still waiting when the stream closes answers instead of hanging (a server
// shutting down while the client closes used to wait forever).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeMel } from '../../src/dsp/mel';
import { Engine } from '../../src/engine/engine';
import type { WindowEvent } from '../../src/protocol';
import { DEFAULT_BUNDLE, testAudio } from '../helpers/engine-client';

let engine: Engine;
before(async () => {
  engine = await Engine.open({ bundleDir: DEFAULT_BUNDLE });
});
after(async () => {
  await engine.close();
});

function open(events: WindowEvent[]) {
  return engine.createStream({ inputRateHz: 22050, hopS: 3.0, k: 3, tags: 2, factors: true, overflow: 'block' }, { event: (e) => events.push(e), error: (e) => assert.fail(e), blocked: () => undefined });
}

test('the final factors are the mean of the model over the windows the scheduler cut (brute force)', async () => {
  const x = testAudio(9.5, 12);
  const events: WindowEvent[] = [];
  const s = open(events);
  s.push(x);
  const fin = await s.finalize();
  engine.closeStream(s);
  // 209,475 samples = 410 frames; hop 3.0 s = 129.2 frames, a whole number of the default bundle's trunk
  // strides (8 frames): 128; windows start at 0, 128, 256 (ends 386), then the end-aligned tail [280, 410).
  // The regular windows run through the streaming pair, the tail through model.onnx.
  const mel = computeMel(x);
  assert.equal(mel.frames, 410);
  assert.equal(engine.cnnPath, 'stream');
  assert.ok(Math.abs(s.hopS - (128 * 512) / 22050) < 1e-9, `hop ${s.hopS}`);
  const starts = [0, 128, 256, 410 - 130];
  const sum = new Float64Array(50);
  for (const st of starts) {
    const out = await engine.bundle.model.predictWindows(mel.data.slice(st * 128, (st + 130) * 128), 1, 130);
    out.forEach((v, j) => (sum[j] += v / starts.length));
  }
  assert.equal(fin.windows, 4);
  for (let j = 0; j < 50; j++) assert.ok(Math.abs(fin.factors![j] - sum[j]) < 1e-5, `factor ${j}`);
  assert.deepEqual(events.map((e) => e.seq), [0, 1, 2], 'a window event for each regular window, none for the tail');
});

test('closing a stream while its finalize waits for windows resolves the finalize', async () => {
  const events: WindowEvent[] = [];
  const s = open(events);
  s.push(testAudio(20, 3));
  const pending = s.finalize();
  engine.closeStream(s);
  const fin = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
  assert.ok(fin, 'finalize answered');
  assert.equal(fin.type, 'final');
});
