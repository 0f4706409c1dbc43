// earshot's log-mel front ends against librosa 0.10.2 (float64) on the stored references: once per
// native kernel build available on this CPU and once for the pure-TypeScript one that browsers run
// (one conformance suite, every implementation; test/dsp/mel-js.test.ts holds them to each other).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { computeMelJs } from '../../src/dsp/js/mel';
import { MelBank } from '../../src/dsp/js/filterbank';
import { computeMel, melFilterbank, type Spectrogram } from '../../src/dsp/mel';
import { resolveMelOptions, type MelOptions } from '../../src/dsp/mel-options';
import { mfcc, delta } from '../../src/dsp/mfcc';
import { nativeAddon } from '../../src/native/addon';
import { readNpy } from '../../src/io/npy';
import { CASES, FIXTURES, loadInput, loadTransposed, maxAbsDiff } from '../helpers/librosa-fixtures';

const addon = nativeAddon();
const isas = (['generic', 'avx2'] as const).filter((isa) => addon.kernels(isa) !== false);
after(() => addon.kernels('auto'));

interface Impl {
  name: string;
  /** Selects the implementation (the native kernel build) before each test. */
  select(): void;
  computeMel(x: Float32Array, o?: MelOptions): Spectrogram;
  filterbank(): ArrayLike<number>;
}

const IMPLS: Impl[] = [
  ...isas.map((isa) => ({ name: isa, select: () => assert.equal(addon.kernels(isa), isa), computeMel, filterbank: () => melFilterbank().weights })),
  { name: 'js', select: () => undefined, computeMel: computeMelJs, filterbank: () => new MelBank(resolveMelOptions({})).dense },
];

for (const impl of IMPLS) {
  test(`[${impl.name}] the default filterbank equals librosa.filters.mel(sr=22050, n_fft=1024, n_mels=128)`, () => {
    impl.select();
    const ref = readNpy(path.join(FIXTURES, 'mel_filterbank.npy'));
    assert.deepEqual(ref.shape, [128, 513]);
    const fb = impl.filterbank();
    assert.equal(fb.length, 128 * 513);
    let maxRel = 0;
    for (let i = 0; i < fb.length; i++) {
      const r = ref.data[i];
      maxRel = Math.max(maxRel, Math.abs(fb[i] - r) / Math.max(Math.abs(r), 1e-6));
    }
    assert.ok(maxRel < 1e-5, `filterbank max relative error ${maxRel}`);
  });

  for (const name of CASES) {
    test(`[${impl.name}] ${name}: mel power, dB, MFCC and deltas within librosa tolerances`, (t) => {
      impl.select();
      const x = loadInput(name);
      const refPower = loadTransposed(`${name}/mel_power.npy`);
      const refDb = loadTransposed(`${name}/mel_db.npy`);

      const power = impl.computeMel(x, { log: { kind: 'power' } });
      assert.equal(power.frames, refPower.rows, 'frame count (center=True: 1 + n // hop)');
      assert.equal(power.bands, refPower.cols);
      let maxRel = 0;
      for (let i = 0; i < power.data.length; i++) {
        const r = refPower.data[i];
        if (r > 1e-8) maxRel = Math.max(maxRel, Math.abs(power.data[i] - r) / r);
      }
      assert.ok(maxRel <= 1e-4, `mel power max relative error ${maxRel}`);

      const db = impl.computeMel(x);
      const dbErr = maxAbsDiff(db.data, refDb.data);
      t.diagnostic(`power max relative error ${maxRel.toExponential(2)}, dB max error ${dbErr.toExponential(2)}`);
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
