/**
 * Log-mel front-end options: librosa's names and defaults (which are also the paper's: 22,050 Hz,
 * 1024-sample window, hop 512, 128 bands), with units in the field names. Validated here, once, before
 * anything reaches the native kernels.
 */
import { EarshotError } from '../errors';
import type { NativeMelConfig } from '../native/addon';

/** How mel power is compressed: librosa's power_to_db, log1p(C·S) (Dieleman's choice), or none. */
export type LogCompression =
  | { kind: 'db'; aminPower?: number; refPower?: number; topDb?: number | null }
  | { kind: 'log1p'; scale?: number }
  | { kind: 'power' };

export interface MelOptions {
  /** Sample rate of the input (Hz). Default 22,050. */
  sampleRateHz?: number;
  /** FFT / window length (samples), a power of two in 128..65536. Default 1024. */
  nFft?: number;
  /** Frame step (samples), 1..nFft. Default 512 (≈ 23.2 ms at 22,050 Hz). */
  hopSamples?: number;
  /** Number of mel bands, 1..4096. Default 128. */
  nMels?: number;
  /** Lowest filter edge (Hz). Default 0. */
  fminHz?: number;
  /** Highest filter edge (Hz), ≤ sampleRateHz / 2. Default (null) sampleRateHz / 2. */
  fmaxHz?: number | null;
  /** Mel scale: 'slaney' (librosa default, htk=False) or 'htk'. */
  melScale?: 'slaney' | 'htk';
  /** Filter normalisation: 'slaney' (area, librosa default) or 'none' (peak 1). */
  melNorm?: 'slaney' | 'none';
  /** librosa center=True: frames are centred on t·hop, the signal zero-padded by nFft/2. Default true. */
  center?: boolean;
  /** Default { kind: 'db', aminPower: 1e-10, refPower: 1, topDb: null }. */
  log?: LogCompression;
}

export const MEL_DEFAULTS = {
  sampleRateHz: 22050,
  nFft: 1024,
  hopSamples: 512,
  nMels: 128,
  fminHz: 0,
} as const;

/** float32's smallest normal and largest finite values. */
const FLT_MIN = 1.1754943508222875e-38;
const FLT_MAX = 3.4028234663852886e38;

function bad(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

function checkInt(name: string, v: number, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) bad(`${name} must be an integer in ${lo}..${hi}, got ${String(v)}`);
  return v;
}

function checkNumber(name: string, v: number, ok: (x: number) => boolean, rule: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) bad(`${name} ${rule}, got ${String(v)}`);
  return v;
}

/** Fills defaults and checks every field; throws EarshotError('ERR_INVALID_ARGUMENT') naming the field. */
export function resolveMelOptions(o: MelOptions = {}): NativeMelConfig {
  if (o === null || typeof o !== 'object') bad('mel options must be an object');
  const sampleRateHz = checkNumber('sampleRateHz', o.sampleRateHz ?? MEL_DEFAULTS.sampleRateHz, (x) => x >= 1 && x <= 768000, 'must be in 1..768000 Hz');
  const nFft = checkInt('nFft', o.nFft ?? MEL_DEFAULTS.nFft, 128, 65536);
  if ((nFft & (nFft - 1)) !== 0) bad(`nFft must be a power of two (128..65536 samples), got ${nFft}`);
  const hopSamples = checkInt('hopSamples', o.hopSamples ?? MEL_DEFAULTS.hopSamples, 1, nFft);
  const nMels = checkInt('nMels', o.nMels ?? MEL_DEFAULTS.nMels, 1, 4096);
  const fminHz = checkNumber('fminHz', o.fminHz ?? MEL_DEFAULTS.fminHz, (x) => x >= 0, 'must be >= 0 Hz');
  const nyquist = sampleRateHz / 2;
  const fmaxHz = o.fmaxHz == null ? nyquist : checkNumber('fmaxHz', o.fmaxHz, (x) => x > fminHz && x <= nyquist, `must be in (fminHz, sampleRateHz/2 = ${nyquist}] Hz`);
  if (fminHz >= fmaxHz) bad(`fminHz (${fminHz}) must be below fmaxHz (${fmaxHz})`);
  const melScale = o.melScale ?? 'slaney';
  if (melScale !== 'slaney' && melScale !== 'htk') bad(`melScale must be 'slaney' or 'htk', got ${String(melScale)}`);
  const melNorm = o.melNorm ?? 'slaney';
  if (melNorm !== 'slaney' && melNorm !== 'none') bad(`melNorm must be 'slaney' or 'none', got ${String(melNorm)}`);
  const center = o.center ?? true;
  if (typeof center !== 'boolean') bad('center must be a boolean');
  const log = o.log ?? { kind: 'db' };
  const cfg: NativeMelConfig = {
    sampleRateHz, nFft, hopSamples, nMels, fminHz, fmaxHz,
    htk: melScale === 'htk', slaneyNorm: melNorm === 'slaney', center,
    log: 'db', aminPower: 1e-10, refPower: 1, topDb: -1, log1pScale: 1,
  };
  switch (log.kind) {
    case 'db':
      // The dB kernel floors in float32: an amin outside float32's normal range would silently give wrong dB.
      cfg.aminPower = checkNumber('log.aminPower', log.aminPower ?? 1e-10, (x) => x >= FLT_MIN && x <= FLT_MAX, 'must be in 1.2e-38..3.4e38 (a normal float32)');
      cfg.refPower = checkNumber('log.refPower', log.refPower ?? 1, (x) => x > 0, 'must be > 0');
      cfg.topDb = log.topDb == null ? -1 : checkNumber('log.topDb', log.topDb, (x) => x >= 0, 'must be >= 0 dB or null');
      break;
    case 'log1p':
      cfg.log = 'log1p';
      cfg.log1pScale = checkNumber('log.scale', log.scale ?? 1, (x) => x > 0, 'must be > 0');
      break;
    case 'power':
      cfg.log = 'power';
      break;
    default:
      bad(`log.kind must be 'db', 'log1p' or 'power', got ${String((log as { kind: unknown }).kind)}`);
  }
  return cfg;
}

/** The inverse of resolveMelOptions: a resolved config (e.g. a bundle manifest's `mel`) as options, checked again on use. */
export function melOptionsFromConfig(cfg: NativeMelConfig): MelOptions {
  const log: LogCompression =
    cfg.log === 'db' ? { kind: 'db', aminPower: cfg.aminPower, refPower: cfg.refPower, topDb: cfg.topDb < 0 ? null : cfg.topDb }
    : cfg.log === 'log1p' ? { kind: 'log1p', scale: cfg.log1pScale }
    : { kind: 'power' };
  return {
    sampleRateHz: cfg.sampleRateHz, nFft: cfg.nFft, hopSamples: cfg.hopSamples, nMels: cfg.nMels, fminHz: cfg.fminHz,
    fmaxHz: cfg.fmaxHz < 0 ? null : cfg.fmaxHz, melScale: cfg.htk ? 'htk' : 'slaney', melNorm: cfg.slaneyNorm ? 'slaney' : 'none', center: cfg.center, log,
  };
}
