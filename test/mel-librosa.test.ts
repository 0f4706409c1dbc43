// earshot's log-mel front end against librosa 0.10.2 (float64) on the stored references, once per
// native kernel build available on this CPU (one conformance suite, every implementation).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { computeMel, melFilterbank } from '../src/dsp/mel';
import { mfcc, delta } from '../src/dsp/mfcc';
import { nativeAddon } from '../src/dsp/native';
import { readNpy } from '../src/io/npy';
import { CASES, FIXTURES, loadInput, loadTransposed, maxAbsDiff } from './helpers/librosa-fixtures';

const addon = nativeAddon();
const isas = (['generic', 'avx2'] as const).filter((isa) => addon.kernels(isa) !== false);
after(() => addon.kernels('auto'));

test('the default filterbank equals librosa.filters.mel(sr=22050, n_fft=1024, n_mels=128)', () => {
  const ref = readNpy(path.join(FIXTURES, 'mel_filterbank.npy'));
  assert.deepEqual(ref.shape, [128, 513]);
  const fb = melFilterbank();
  assert.equal(fb.weights.length, 128 * 513);
  let maxRel = 0;
  for (let i = 0; i < fb.weights.length; i++) {
    const r = ref.data[i];
    maxRel = Math.max(maxRel, Math.abs(fb.weights[i] - r) / Math.max(Math.abs(r), 1e-6));
  }
  assert.ok(maxRel < 1e-5, `filterbank max relative error ${maxRel}`);
});

for (const isa of isas) {
  for (const name of CASES) {
    test(`[${isa}] ${name}: mel power, dB, MFCC and deltas within librosa tolerances`, () => {
      assert.equal(addon.kernels(isa), isa);
      const x = loadInput(name);
      const refPower = loadTransposed(`${name}/mel_power.npy`);
      const refDb = loadTransposed(`${name}/mel_db.npy`);

      const power = computeMel(x, { log: { kind: 'power' } });
      assert.equal(power.frames, refPower.rows, 'frame count (center=True: 1 + n // hop)');
      assert.equal(power.bands, refPower.cols);
      let maxRel = 0;
      for (let i = 0; i < power.data.length; i++) {
        const r = refPower.data[i];
        if (r > 1e-8) maxRel = Math.max(maxRel, Math.abs(power.data[i] - r) / r);
      }
      assert.ok(maxRel <= 1e-4, `mel power max relative error ${maxRel}`);

      const db = computeMel(x);
      const dbErr = maxAbsDiff(db.data, refDb.data);
      assert.ok(dbErr <= 0.01, `dB max abs error ${dbErr}`);

      const c = mfcc(db, 13);
      const refMfcc = loadTransposed(`${name}/mfcc.npy`);
      assert.ok(maxAbsDiff(c, refMfcc.data) <= 1e-3, `mfcc error ${maxAbsDiff(c, refMfcc.data)}`);
      const d1 = delta(c, 13, 1);
      const d2 = delta(c, 13, 2);
      assert.ok(maxAbsDiff(d1, loadTransposed(`${name}/delta.npy`).data) <= 1e-3, 'delta');
      assert.ok(maxAbsDiff(d2, loadTransposed(`${name}/delta2.npy`).data) <= 1e-3, 'delta2');
    });
  }
}
