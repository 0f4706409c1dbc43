/**
 * The sound-design vocabulary of the benchmark world's synthesizer: what a tone, a drum kit and an
 * effect chain are described by. Styles (trainer/world/styles.ts) draw these per artist; the voices
 * (tones.ts, drums.ts, effects.ts) render them. Everything is mono float32 at WORLD_RATE_HZ.
 */

/** The world renders at the paper's analysis rate, so no clip is ever resampled (Hz). */
export const WORLD_RATE_HZ = 22050;

/**
 * How a pitched voice makes its sound:
 * - additive: a sum of harmonic partials (organ, bell-ish, choir-ish when slow attack);
 * - fm: two-operator frequency modulation (electric piano, bells, brass-ish, FM bass);
 * - subtractive: band-limited saw/square/triangle through a resonant low-pass with its own envelope;
 * - pluck: Karplus-Strong plucked string (guitar, harp, koto-ish);
 * - pad: several detuned oscillators, slow attack, low-passed (string/synth pads);
 * - lead: detuned oscillators driven through a soft clipper (distorted lead/guitar);
 * - bass: sine or filtered saw with a sub-octave (electric/synth/808 bass);
 * - chip: naive pulse wave with a duty cycle and no anti-aliasing (8-bit consoles).
 */
export type ToneKind = 'additive' | 'fm' | 'subtractive' | 'pluck' | 'pad' | 'lead' | 'bass' | 'chip';

export type Oscillator = 'sine' | 'saw' | 'square' | 'triangle';

export interface TonePatch {
  kind: ToneKind;
  /** Amplitude envelope: attack, decay (s), sustain level 0..1, release after note-off (s). */
  attackS: number;
  decayS: number;
  sustain: number;
  releaseS: number;
  /** additive: amplitudes of harmonics 1..N (harmonic 1 first). */
  partials?: number[];
  /** fm: modulator frequency / carrier frequency, peak modulation index, index decay time (s). */
  fmRatio?: number;
  fmIndex?: number;
  fmDecayS?: number;
  /** subtractive, pad, lead, bass: source waveform. */
  osc?: Oscillator;
  /** Low-pass cutoff (Hz) at rest, resonance 0..0.95, envelope sweep above the cutoff (octaves). */
  cutoffHz?: number;
  resonance?: number;
  envOctaves?: number;
  /** pad, lead: number of oscillators (1..7) spread over ±detuneCents. */
  voices?: number;
  detuneCents?: number;
  /** lead (and optionally others): pre-gain into tanh soft clipping; 0 = clean, 10 = heavy. */
  drive?: number;
  /**
   * pluck: how soon the string dies, 0..1: the fundamental's T60 is 0.05 × 200^(1 − damping) s at
   * 196 Hz (0.2 ≈ 3.4 s, 0.5 ≈ 0.7 s, 0.75 ≈ 0.19 s), longer for lower strings; pick brightness 0..1.
   */
  damping?: number;
  brightness?: number;
  /** bass: level of a sine one octave below, 0..1. */
  subLevel?: number;
  /** chip: pulse duty cycle 0.125 | 0.25 | 0.5. */
  duty?: number;
  /** Vibrato rate (Hz) and depth (cents); 0 depth = none. */
  vibratoHz?: number;
  vibratoCents?: number;
}

export type DrumKind =
  | 'kick'
  | 'snare'
  | 'clap'
  | 'closed-hat'
  | 'open-hat'
  | 'ride'
  | 'crash'
  | 'tom-low'
  | 'tom-high'
  | 'rim'
  | 'shaker'
  | 'cowbell'
  | 'conga';

/** A drum kit's sound: one per artist, so artists of a style differ in their drums too. */
export interface DrumKit {
  /** acoustic: noisy, resonant; electronic: clean sweeps (808/909-like); chip: 1-bit noise and pulses. */
  character: 'acoustic' | 'electronic' | 'chip';
  /** Kick: final pitch (Hz, 40..80), decay (s), click level 0..1, pitch sweep depth (octaves). */
  kickHz: number;
  kickDecayS: number;
  kickClick: number;
  kickSweep: number;
  /** Snare: body tone (Hz), noise share 0..1, decay (s). */
  snareHz: number;
  snareNoise: number;
  snareDecayS: number;
  /** Cymbals: high-pass corner (Hz), closed-hat decay (s). */
  hatCutoffHz: number;
  hatDecayS: number;
  /** Toms and congas: base pitch (Hz). */
  tomHz: number;
}

export interface ReverbParams {
  /** Wet share 0..1. */
  mix: number;
  /** Time for the tail to fall 60 dB (s). */
  decayS: number;
  /** High-frequency damping inside the tail 0..1. */
  damping: number;
  /** Delay before the tail starts (ms). */
  preDelayMs: number;
}
