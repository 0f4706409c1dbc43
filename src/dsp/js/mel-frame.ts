/**
 * One log-mel frame: window → FFT power → mel bands → compression (dB, log1p or none), as the native
 * MelFrameProcessor (native/dsp/mel_frame.cc) does, but in float64 until the float32 result.
 */
import type { NativeMelConfig } from '../../native/addon';
import { RealFftPlan } from './fft';
import { MelBank } from './filterbank';

/** The resolved front-end configuration (resolveMelOptions' output, also a bundle manifest's `mel`). */
export type MelConfig = NativeMelConfig;

export class MelFrameJs {
  readonly nMels: number;
  readonly nFft: number;
  private readonly plan: RealFftPlan;
  readonly bank: MelBank;
  private readonly power: Float64Array;
  private readonly mel: Float64Array;
  /** power_to_db subtracts 10·log10(max(amin, ref)) dB. */
  private readonly offsetDb: number;

  constructor(readonly cfg: MelConfig) {
    this.nFft = cfg.nFft;
    this.nMels = cfg.nMels;
    this.plan = new RealFftPlan(cfg.nFft);
    this.bank = new MelBank(cfg);
    this.power = new Float64Array(this.plan.bins);
    this.mel = new Float64Array(cfg.nMels);
    this.offsetDb = 10 * Math.log10(Math.max(cfg.aminPower, cfg.refPower));
  }

  /** Frame x[offset .. offset+nFft) → out[outOffset .. outOffset+nMels). Allocates nothing. */
  frame(x: Float32Array, offset: number, out: Float32Array, outOffset: number): void {
    this.plan.power(x, offset, this.power);
    this.bank.apply(this.power, this.mel);
    const { mel, nMels, cfg } = this;
    switch (cfg.log) {
      case 'db': {
        // librosa.power_to_db: 10·log10(max(amin, S)) − 10·log10(max(amin, ref)).
        const amin = cfg.aminPower;
        for (let b = 0; b < nMels; b++) out[outOffset + b] = 10 * Math.log10(Math.max(amin, mel[b])) - this.offsetDb;
        break;
      }
      case 'log1p': {
        const c = cfg.log1pScale;
        for (let b = 0; b < nMels; b++) out[outOffset + b] = Math.log1p(c * mel[b]);
        break;
      }
      default:
        for (let b = 0; b < nMels; b++) out[outOffset + b] = mel[b];
    }
  }
}
