/**
 * `npm run bench -- mel [--clip PATH] [--json]`: log-mel throughput on one clip, single-threaded.
 *
 *   earshot batch   computeMel(samples, {}) — the whole clip in one native call
 *   earshot stream  MelStream: the clip pushed in 512-sample chunks (as a live source would), then flush()
 *   essentia.js     per frame: arrayToVector -> Windowing -> Spectrum -> MelBands -> vectorToArray -> dB
 *   meyda           per frame: Meyda.extract('melBands', frame)
 *
 * All four use librosa's framing: n_fft 1024, hop 512, center=True (512 zeros padded at both ends), so
 * every row processes the same 1 + floor(n / 512) frames. xrt = seconds of audio per second of wall time.
 * essentia.js is configured like librosa.feature.melspectrogram + power_to_db, and the result is compared
 * with earshot's (essentia_max_db_diff); meyda's melBands is a different definition (HTK-like filters,
 * log(1 + x)), so only its speed is compared.
 */
import { concatFloat32 as concat } from '../src/audio/concat';
import { computeMel, MelStream } from '../src/dsp/mel';
import { nativeAddon } from '../src/native/addon';
import { BENCH_RATE_HZ, DEFAULT_CLIP, loadBenchAudio } from './clip';
import { DEFAULT_TIMING, formatTable, hardwareLine, parseFlags, timeRuns, type Timing } from './harness';

const N_FFT = 1024;
const HOP = 512;
const N_MELS = 128;
/** Samples per MelStream.push: one hop, the granularity of a typical audio callback. */
const STREAM_CHUNK = 512;
/** librosa.power_to_db's amin (power units): floor before log10, so silence is -100 dB. */
const AMIN_POWER = 1e-10;
/** Bins at or below this level in either spectrogram are left out of the dB comparison. */
const COMPARE_FLOOR_DB = -100;

// ---------------------------------------------------------------------------------------------------
// librosa framing, shared by the per-frame JS libraries

/** The signal with n_fft/2 zeros on each side (librosa center=True, pad_mode='constant'). */
function centerPad(samples: Float32Array): Float32Array {
  const padded = new Float32Array(samples.length + N_FFT);
  padded.set(samples, N_FFT / 2);
  return padded;
}

function frameCount(nSamples: number): number {
  return 1 + Math.floor(nSamples / HOP);
}

// ---------------------------------------------------------------------------------------------------
// essentia.js (WASM). The package ships no typings at its entry point; this is the part we call.

interface EssentiaVector {
  delete(): void;
}
interface EssentiaCore {
  version: string;
  arrayToVector(a: Float32Array): EssentiaVector;
  vectorToArray(v: EssentiaVector): Float32Array;
  Windowing(frame: EssentiaVector, normalized: boolean, size: number, type: string, zeroPadding: number, zeroPhase: boolean): { frame: EssentiaVector };
  Spectrum(frame: EssentiaVector, size: number): { spectrum: EssentiaVector };
  MelBands(
    spectrum: EssentiaVector, highFrequencyBound: number, inputSize: number, log: boolean, lowFrequencyBound: number,
    normalize: string, numberBands: number, sampleRate: number, type: string, warpingFormula: string, weighting: string,
  ): { bands: EssentiaVector };
}

function loadEssentia(): EssentiaCore {
  const mod = require('essentia.js') as { EssentiaWASM: unknown; Essentia: new (wasm: unknown) => EssentiaCore };
  return new mod.Essentia(mod.EssentiaWASM);
}

/**
 * librosa.power_to_db(melspectrogram(y, sr=22050, n_fft=1024, hop_length=512, n_mels=128)) with
 * essentia.js, the way a JS caller uses its core API: one call per algorithm per frame, every
 * intermediate a WASM VectorFloat that must be delete()d. Spectrum gives |X|; MelBands type 'power'
 * squares it; slaneyMel + unit_tri + linear weighting is librosa's Slaney filterbank.
 */
function essentiaLogMel(ess: EssentiaCore, padded: Float32Array, frames: number, periodicHann = false): Float32Array {
  const out = new Float32Array(frames * N_MELS);
  // Essentia's 'hann' is the symmetric window; librosa's (and earshot's) is periodic. For the agreement
  // check only, the periodic window can be applied here in JS and Essentia's Windowing skipped.
  const hann = Float32Array.from({ length: N_FFT }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N_FFT));
  const buf = new Float32Array(N_FFT);
  for (let f = 0; f < frames; f++) {
    const frame = padded.subarray(f * HOP, f * HOP + N_FFT);
    if (periodicHann) for (let i = 0; i < N_FFT; i++) buf[i] = frame[i] * hann[i];
    const input = ess.arrayToVector(periodicHann ? buf : frame);
    const windowed = periodicHann ? input : ess.Windowing(input, false, N_FFT, 'hann', 0, false).frame;
    const spectrum = ess.Spectrum(windowed, N_FFT).spectrum;
    const bands = ess.MelBands(spectrum, BENCH_RATE_HZ / 2, N_FFT / 2 + 1, false, 0, 'unit_tri', N_MELS, BENCH_RATE_HZ, 'power', 'slaneyMel', 'linear').bands;
    const power = ess.vectorToArray(bands);
    const row = f * N_MELS;
    for (let b = 0; b < N_MELS; b++) out[row + b] = 10 * Math.log10(Math.max(power[b], AMIN_POWER));
    input.delete();
    if (!periodicHann) windowed.delete();
    spectrum.delete();
    bands.delete();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// meyda (pure JS)

interface MeydaLike {
  bufferSize: number;
  sampleRate: number;
  melBands: number;
  windowingFunction: string;
  extract(feature: string, signal: Float32Array): unknown;
}

function loadMeyda(): MeydaLike {
  const Meyda = require('meyda') as MeydaLike;
  Meyda.bufferSize = N_FFT;
  Meyda.sampleRate = BENCH_RATE_HZ;
  Meyda.melBands = N_MELS;
  Meyda.windowingFunction = 'hanning';
  return Meyda;
}

/** meyda's melBands: log(1 + Σ w·|X|²) over its own filterbank (not librosa's); kept for speed only. */
function meydaMel(meyda: MeydaLike, padded: Float32Array, frames: number): Float32Array {
  const out = new Float32Array(frames * N_MELS);
  for (let f = 0; f < frames; f++) {
    const bands = meyda.extract('melBands', padded.subarray(f * HOP, f * HOP + N_FFT)) as number[];
    out.set(bands, f * N_MELS);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// earshot

function earshotStream(samples: Float32Array): Float32Array[] {
  const stream = new MelStream({});
  const parts: Float32Array[] = [];
  for (let i = 0; i < samples.length; i += STREAM_CHUNK) parts.push(stream.push(samples.subarray(i, i + STREAM_CHUNK)));
  parts.push(stream.flush());
  return parts;
}

/** Absolute dB differences over the bins where both spectrograms are above COMPARE_FLOOR_DB. */
function dbDiff(a: Float32Array, b: Float32Array): { max: number; p99: number; median: number; compared: number; total: number } {
  if (a.length !== b.length) throw new Error(`spectrogram sizes differ: ${a.length} vs ${b.length} values`);
  const diffs: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] > COMPARE_FLOOR_DB && b[i] > COMPARE_FLOOR_DB) diffs.push(Math.abs(a[i] - b[i]));
  }
  diffs.sort((x, y) => x - y);
  const at = (q: number) => (diffs.length ? diffs[Math.min(diffs.length - 1, Math.floor(q * diffs.length))] : NaN);
  return { max: diffs.length ? diffs[diffs.length - 1] : NaN, p99: at(0.99), median: at(0.5), compared: diffs.length, total: a.length };
}

// ---------------------------------------------------------------------------------------------------

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(args, ['--clip'], ['--json']);
  } catch (err) {
    process.stderr.write(`bench mel: ${(err as Error).message}\nusage: npm run bench -- mel [--clip PATH] [--json]\n`);
    return 2;
  }
  const json = flags.has('--json');
  const clipArg = flags.get('--clip');
  const audio = await loadBenchAudio(typeof clipArg === 'string' ? clipArg : DEFAULT_CLIP);
  const { samples } = audio;
  const durationS = samples.length / BENCH_RATE_HZ;
  const frames = frameCount(samples.length);
  const padded = centerPad(samples);
  const kernels = nativeAddon().kernels();
  const ess = loadEssentia();
  const meyda = loadMeyda();

  // Outputs once, outside the timed runs: shape checks and the essentia agreement figure.
  const batch = computeMel(samples, {});
  if (batch.frames !== frames || batch.bands !== N_MELS) throw new Error(`earshot returned ${batch.frames}x${batch.bands}, expected ${frames}x${N_MELS}`);
  const streamed = concat(earshotStream(samples));
  let streamMaxDiff = 0;
  for (let i = 0; i < Math.min(streamed.length, batch.data.length); i++) streamMaxDiff = Math.max(streamMaxDiff, Math.abs(streamed[i] - batch.data[i]));
  const essDiff = dbDiff(essentiaLogMel(ess, padded, frames), batch.data);
  const essPeriodicDiff = dbDiff(essentiaLogMel(ess, padded, frames, true), batch.data);

  const rows: { name: string; t: Timing }[] = [
    { name: 'earshot batch (computeMel)', t: timeRuns(() => void computeMel(samples, {}), DEFAULT_TIMING) },
    { name: `earshot stream (MelStream, ${STREAM_CHUNK}-sample pushes)`, t: timeRuns(() => void earshotStream(samples), DEFAULT_TIMING) },
    { name: `essentia.js ${ess.version} (WASM, per frame)`, t: timeRuns(() => void essentiaLogMel(ess, padded, frames), DEFAULT_TIMING) },
    { name: 'meyda melBands (JS, per frame)', t: timeRuns(() => void meydaMel(meyda, padded, frames), DEFAULT_TIMING) },
  ];
  const batchS = rows[0].t.medianS;
  const xrt = (t: Timing) => durationS / t.medianS;

  const out: string[] = [];
  out.push(`bench mel — ${hardwareLine()}`);
  out.push(`native kernels: ${kernels === false ? 'unavailable' : kernels}; single-threaded; timing: median of >= ${DEFAULT_TIMING.minRuns} runs and >= ${DEFAULT_TIMING.minTotalS} s per row, after one warm-up run`);
  out.push(`clip: ${audio.label}`);
  out.push(`      ${audio.note}`);
  out.push(`      ${durationS.toFixed(2)} s at ${BENCH_RATE_HZ} Hz = ${samples.length} samples -> ${frames} frames (n_fft ${N_FFT}, hop ${HOP}, center=True, ${N_MELS} mel bands)`);
  out.push('');
  out.push(
    formatTable(
      ['implementation', 'xrt', 'µs/frame', 'time ÷ batch', 'runs'],
      rows.map(({ name, t }) => [name, xrt(t).toFixed(0), ((t.medianS / frames) * 1e6).toFixed(2), (t.medianS / batchS).toFixed(2), String(t.runs)]),
    ),
  );
  out.push('');
  out.push(`earshot stream vs batch: ${streamed.length / N_MELS} vs ${frames} frames, max |diff| ${streamMaxDiff} dB`);
  out.push(
    `essentia.js vs earshot batch log-mel: max |diff| ${essDiff.max.toFixed(4)} dB, p99 ${essDiff.p99.toFixed(4)} dB, median ${essDiff.median.toFixed(5)} dB ` +
      `over the ${essDiff.compared} of ${essDiff.total} frame×band bins where both are > ${COMPARE_FLOOR_DB} dB`,
  );
  out.push(
    `essentia.js with librosa's periodic Hann applied in JS (its own 'hann' is symmetric): max |diff| ${essPeriodicDiff.max.toFixed(4)} dB, ` +
      `p99 ${essPeriodicDiff.p99.toFixed(4)} dB over ${essPeriodicDiff.compared} bins`,
  );
  out.push("meyda: its melBands is log(1 + power) over meyda's own HTK-style filterbank, not librosa's definition: speed comparison only");
  process.stdout.write(`${out.join('\n')}\n`);

  if (json) {
    const result = {
      earshot_xrt: xrt(rows[0].t),
      earshot_stream_xrt: xrt(rows[1].t),
      essentia_xrt: xrt(rows[2].t),
      meyda_xrt: xrt(rows[3].t),
      essentia_max_db_diff: essDiff.max,
      essentia_p99_db_diff: essDiff.p99,
      essentia_db_bins_compared: essDiff.compared,
      essentia_periodic_hann_max_db_diff: essPeriodicDiff.max,
      stream_max_db_diff: streamMaxDiff,
      frames,
      duration_s: durationS,
      synthetic: audio.synthetic,
      kernels: kernels === false ? null : kernels,
      cpu: hardwareLine(),
      clip: audio.label,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  return 0;
}
