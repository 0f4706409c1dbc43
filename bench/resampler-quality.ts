/**
 * `node dist/bench/resampler-quality.js [--json]`: quality and speed of the native resampler
 * (src/audio/resample.ts) from common source rates to 22,050 Hz, single-threaded.
 *
 *   alias_db     worst output level (dB re a full-scale sine) over 97 input tones spaced evenly from
 *                the output Nyquist to the input Nyquist plus 51 tones 5 Hz apart just above the
 *                output Nyquist, where the Kaiser kernel's first (highest) sidelobe sits: aliasing.
 *                Only when downsampling.
 *   image_db     worst level of everything but the tone (least-squares sine fit removed) over the
 *                passband tones: images when upsampling, aliased rounding noise otherwise.
 *   ripple_db    peak-to-peak gain (dB) over 97 tones from 100 Hz to 0.90 x the lower Nyquist.
 *   ref_err_db   max |native - float64 direct-sum reference| (src/audio/resample-reference.ts) on
 *                3,000 samples of uniform noise, dB re 1: float accumulation + table interpolation.
 *   xrt          seconds of audio per second of wall time, 30 s of noise pushed in 4,096-sample
 *                chunks (median of >= 5 runs after a warm-up).
 * Edges (kernel half-width, where the zero padding enters) are excluded from every level measurement.
 */
import { resample, StreamResampler } from '../src/audio/resample';
import { resampleReference } from '../src/audio/resample-reference';
import { fitSine, rmsDbFs, tone } from '../test/helpers/tone';
import { DEFAULT_TIMING, formatTable, hardwareLine, parseFlags, timeRuns } from './harness';

const OUT_HZ = 22050;
const SOURCES_HZ = [44100, 48000, 96000, 8000, 37000, 44101];
const TONES = 97; // per sweep
const TONE_S = 0.5; // seconds per tone: ~11,000 output samples, bins ~2 Hz apart
const THROUGHPUT_S = 30;
const CHUNK = 4096;

interface Row {
  inRateHz: number;
  taps: number;
  phases: number;
  interpolated: boolean;
  beta: number;
  aliasDb: number | null;
  imageDb: number;
  rippleDb: number;
  refErrDb: number;
  xrt: number;
}

function measure(inRateHz: number): Row {
  const r = new StreamResampler(inRateHz, OUT_HZ);
  const info = r.info;
  const edge = Math.ceil((info.halfWidth * OUT_HZ) / inRateHz) + 2;
  const nTone = Math.round(inRateHz * TONE_S);

  let aliasDb: number | null = null;
  if (inRateHz > OUT_HZ) {
    aliasDb = -Infinity;
    const freqs: number[] = [];
    for (let k = 0; k < TONES; k++) freqs.push(OUT_HZ / 2 + ((inRateHz / 2 - OUT_HZ / 2) * k) / TONES);
    for (let k = 1; k <= 51; k++) freqs.push(OUT_HZ / 2 + 5 * k);
    for (const f of freqs) {
      const y = resample(tone(f, inRateHz, nTone), inRateHz, OUT_HZ);
      aliasDb = Math.max(aliasDb, rmsDbFs(y, edge, y.length - edge));
    }
  }

  const top = 0.9 * 0.5 * Math.min(inRateHz, OUT_HZ);
  let lo = Infinity, hi = -Infinity, imageDb = -Infinity;
  for (let k = 0; k < TONES; k++) {
    const f = 100 + ((top - 100) * k) / (TONES - 1);
    const y = resample(tone(f, inRateHz, nTone), inRateHz, OUT_HZ);
    const fit = fitSine(y, f, OUT_HZ, edge, y.length - edge);
    const db = 20 * Math.log10(fit.amplitude);
    lo = Math.min(lo, db);
    hi = Math.max(hi, db);
    imageDb = Math.max(imageDb, 20 * Math.log10(fit.residualRms / (fit.amplitude / Math.SQRT2)));
  }

  const noise = new Float32Array(3000);
  let seed = 12345;
  for (let i = 0; i < noise.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    noise[i] = seed / 2147483648 - 1;
  }
  const y = resample(noise, inRateHz, OUT_HZ);
  const ref = resampleReference(noise, inRateHz, OUT_HZ);
  let refErr = 0;
  for (let j = 0; j < y.length; j++) refErr = Math.max(refErr, Math.abs(y[j] - ref[j]));

  const long = new Float32Array(inRateHz * THROUGHPUT_S);
  for (let i = 0; i < long.length; i++) long[i] = Math.sin(i * 0.01) * 0.5 + ((i * 7919) % 1000) / 4000;
  const t = timeRuns(() => {
    for (let i = 0; i < long.length; i += CHUNK) r.process(long.subarray(i, i + CHUNK));
    r.flush();
  }, DEFAULT_TIMING);

  return {
    inRateHz,
    taps: info.taps,
    phases: info.phases,
    interpolated: info.interpolated,
    beta: info.beta,
    aliasDb,
    imageDb,
    rippleDb: hi - lo,
    refErrDb: 20 * Math.log10(refErr),
    xrt: THROUGHPUT_S / t.medianS,
  };
}

export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, [], ['--json']);
  const rows = SOURCES_HZ.map(measure);
  if (flags.has('--json')) {
    process.stdout.write(JSON.stringify({ hardware: hardwareLine(), outRateHz: OUT_HZ, rows }, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`${hardwareLine()}\nresampler -> ${OUT_HZ} Hz (design: Kaiser, 100 dB stop band from the lower Nyquist, passband to 0.90 x)\n\n`);
  const header = ['in_hz', 'taps', 'phases', 'beta', 'alias_db', 'image_db', 'ripple_db', 'ref_err_db', 'xrt'];
  const table = rows.map((r) => [
    String(r.inRateHz),
    String(r.taps),
    `${r.phases}${r.interpolated ? ' (interp)' : ''}`,
    r.beta.toFixed(3),
    r.aliasDb === null ? 'n/a (up)' : r.aliasDb.toFixed(1),
    r.imageDb.toFixed(1),
    r.rippleDb.toFixed(5),
    r.refErrDb.toFixed(1),
    r.xrt.toFixed(0),
  ]);
  process.stdout.write(formatTable(header, table) + '\n');
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => { process.stderr.write(`${(err as Error).stack ?? String(err)}\n`); process.exitCode = 1; },
  );
}
