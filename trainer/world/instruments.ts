/**
 * The world's instrument library: named sounds a listener would recognise ("nylon guitar", "808
 * bass"), each a family (what taste is defined over), an acoustic share, and a patch generator that
 * varies the sound per artist within a plausible range. Styles (styles.ts) list which of these they use.
 */
import type { DrumKit, TonePatch } from './synth/patches';
import { pick, uniform, type Rand } from './random';

/** What a listener hears as "the instrumentation": taste is defined over these, not over patches. */
export const FAMILIES = ['guitar', 'distorted', 'keys', 'organ', 'strings', 'pads', 'synth', 'bells', 'brass', 'winds', 'chip'] as const;
export type Family = (typeof FAMILIES)[number];

export interface Instrument {
  family: Family | 'bass';
  /** 1 = sounds like a played acoustic instrument, 0 = plainly electronic. */
  acoustic: number;
  patch: (rand: Rand) => TonePatch;
}

const u = uniform;

export const INSTRUMENTS: Record<string, Instrument> = {
  'acoustic guitar': { family: 'guitar', acoustic: 1, patch: (r) => ({ kind: 'pluck', attackS: 0, decayS: 2, sustain: 1, releaseS: 0.15, damping: u(r, 0.35, 0.55), brightness: u(r, 0.55, 0.85) }) },
  'nylon guitar': { family: 'guitar', acoustic: 1, patch: (r) => ({ kind: 'pluck', attackS: 0, decayS: 2, sustain: 1, releaseS: 0.2, damping: u(r, 0.45, 0.65), brightness: u(r, 0.25, 0.45) }) },
  'clean electric guitar': { family: 'guitar', acoustic: 0.5, patch: (r) => ({ kind: 'pluck', attackS: 0, decayS: 2, sustain: 1, releaseS: 0.1, damping: u(r, 0.3, 0.5), brightness: u(r, 0.6, 0.9), drive: u(r, 0.5, 1.5) }) },
  harp: { family: 'strings', acoustic: 1, patch: (r) => ({ kind: 'pluck', attackS: 0, decayS: 3, sustain: 1, releaseS: 0.6, damping: u(r, 0.15, 0.3), brightness: u(r, 0.3, 0.5) }) },
  'distorted guitar': { family: 'distorted', acoustic: 0.3, patch: (r) => ({ kind: 'lead', osc: 'saw', attackS: 0.005, decayS: 0.4, sustain: 0.8, releaseS: 0.08, voices: 2, detuneCents: u(r, 5, 15), cutoffHz: u(r, 1800, 3500), resonance: 0.2, drive: u(r, 5, 10) }) },
  'heavy guitar': { family: 'distorted', acoustic: 0.2, patch: (r) => ({ kind: 'lead', osc: 'square', attackS: 0.003, decayS: 0.3, sustain: 0.85, releaseS: 0.05, voices: 3, detuneCents: u(r, 8, 20), cutoffHz: u(r, 2500, 4500), resonance: 0.3, drive: u(r, 9, 14) }) },
  'electric piano': { family: 'keys', acoustic: 0.4, patch: (r) => ({ kind: 'fm', attackS: 0.002, decayS: u(r, 0.8, 1.6), sustain: 0.3, releaseS: 0.3, fmRatio: 1, fmIndex: u(r, 1.2, 3), fmDecayS: u(r, 0.3, 0.8) }) },
  piano: { family: 'keys', acoustic: 1, patch: (r) => ({ kind: 'additive', attackS: 0.002, decayS: u(r, 1, 2), sustain: 0.15, releaseS: 0.35, partials: [1, u(r, 0.4, 0.7), u(r, 0.2, 0.4), 0.18, 0.12, 0.08, 0.05, 0.03] }) },
  organ: { family: 'organ', acoustic: 0.6, patch: (r) => ({ kind: 'additive', attackS: 0.01, decayS: 0.1, sustain: 1, releaseS: 0.08, partials: [1, u(r, 0.5, 1), u(r, 0.3, 0.8), u(r, 0.4, 0.9), 0, u(r, 0.1, 0.4), 0, u(r, 0.2, 0.5)], vibratoHz: 6.5, vibratoCents: u(r, 0, 12) }) },
  'string section': { family: 'strings', acoustic: 0.8, patch: (r) => ({ kind: 'pad', osc: 'saw', attackS: u(r, 0.15, 0.4), decayS: 0.5, sustain: 0.9, releaseS: 0.5, voices: 5, detuneCents: u(r, 8, 18), cutoffHz: u(r, 2200, 4000), resonance: 0.1, envOctaves: 0, vibratoHz: 5.5, vibratoCents: 10 }) },
  'choir pad': { family: 'pads', acoustic: 0.6, patch: (r) => ({ kind: 'additive', attackS: u(r, 0.3, 0.7), decayS: 0.5, sustain: 0.9, releaseS: 0.8, partials: [1, 0.25, 0.5, 0.15, 0.3, 0.05, 0.1], vibratoHz: u(r, 4.5, 5.5), vibratoCents: u(r, 10, 25) }) },
  'warm pad': { family: 'pads', acoustic: 0, patch: (r) => ({ kind: 'pad', osc: pick(r, ['saw', 'triangle'] as const), attackS: u(r, 0.4, 1.2), decayS: 1, sustain: 0.85, releaseS: 1.2, voices: 4, detuneCents: u(r, 10, 25), cutoffHz: u(r, 700, 1600), resonance: 0.15, envOctaves: 0.5 }) },
  supersaw: { family: 'synth', acoustic: 0, patch: (r) => ({ kind: 'pad', osc: 'saw', attackS: 0.01, decayS: 0.6, sustain: 0.75, releaseS: 0.25, voices: 7, detuneCents: u(r, 20, 40), cutoffHz: u(r, 3500, 7000), resonance: 0.1, envOctaves: 1 }) },
  'synth lead': { family: 'synth', acoustic: 0, patch: (r) => ({ kind: 'subtractive', osc: pick(r, ['saw', 'square'] as const), attackS: 0.005, decayS: 0.3, sustain: 0.7, releaseS: 0.12, cutoffHz: u(r, 1200, 3000), resonance: u(r, 0.3, 0.7), envOctaves: u(r, 1, 2.5), vibratoHz: 5.5, vibratoCents: u(r, 0, 20) }) },
  'acid synth': { family: 'synth', acoustic: 0, patch: (r) => ({ kind: 'subtractive', osc: 'saw', attackS: 0.002, decayS: u(r, 0.12, 0.3), sustain: 0.3, releaseS: 0.05, cutoffHz: u(r, 300, 700), resonance: u(r, 0.75, 0.92), envOctaves: u(r, 2.5, 4) }) },
  bells: { family: 'bells', acoustic: 0.3, patch: (r) => ({ kind: 'fm', attackS: 0.001, decayS: u(r, 1.2, 2.5), sustain: 0, releaseS: 1, fmRatio: pick(r, [3.5, 2.76, 4.2]), fmIndex: u(r, 2, 5), fmDecayS: u(r, 0.5, 1.5) }) },
  vibraphone: { family: 'bells', acoustic: 0.9, patch: (r) => ({ kind: 'fm', attackS: 0.001, decayS: u(r, 1.5, 2.5), sustain: 0, releaseS: 0.8, fmRatio: 4, fmIndex: u(r, 0.5, 1.2), fmDecayS: 0.2, vibratoHz: 5, vibratoCents: u(r, 5, 15) }) },
  marimba: { family: 'bells', acoustic: 1, patch: (r) => ({ kind: 'fm', attackS: 0.001, decayS: u(r, 0.25, 0.5), sustain: 0, releaseS: 0.2, fmRatio: 4, fmIndex: u(r, 1, 2), fmDecayS: 0.05 }) },
  brass: { family: 'brass', acoustic: 0.7, patch: (r) => ({ kind: 'fm', attackS: u(r, 0.03, 0.08), decayS: 0.3, sustain: 0.8, releaseS: 0.12, fmRatio: 1, fmIndex: u(r, 2, 4), fmDecayS: 2, vibratoHz: 5.5, vibratoCents: 8 }) },
  flute: { family: 'winds', acoustic: 1, patch: (r) => ({ kind: 'additive', attackS: u(r, 0.04, 0.09), decayS: 0.2, sustain: 0.85, releaseS: 0.1, partials: [1, 0.12, 0.06, 0.03], vibratoHz: u(r, 4.5, 5.5), vibratoCents: u(r, 10, 25) }) },
  melodica: { family: 'winds', acoustic: 0.8, patch: (r) => ({ kind: 'subtractive', osc: 'square', attackS: 0.03, decayS: 0.2, sustain: 0.85, releaseS: 0.08, cutoffHz: u(r, 1800, 3000), resonance: 0.1, envOctaves: 0 }) },
  'chip pulse': { family: 'chip', acoustic: 0, patch: (r) => ({ kind: 'chip', attackS: 0, decayS: 0.15, sustain: 0.7, releaseS: 0.02, duty: pick(r, [0.125, 0.25, 0.5]), vibratoHz: 6, vibratoCents: u(r, 0, 30) }) },
  // Bass voices: every song has one, so they carry no family of their own in taste.
  'electric bass': { family: 'bass', acoustic: 0.5, patch: (r) => ({ kind: 'bass', osc: 'saw', attackS: 0.004, decayS: 0.6, sustain: 0.5, releaseS: 0.06, cutoffHz: u(r, 500, 1000), resonance: 0.1, envOctaves: 0.8, subLevel: u(r, 0.1, 0.3) }) },
  'upright bass': { family: 'bass', acoustic: 1, patch: (r) => ({ kind: 'pluck', attackS: 0, decayS: 1, sustain: 1, releaseS: 0.12, damping: u(r, 0.55, 0.75), brightness: u(r, 0.15, 0.3) }) },
  'synth bass': { family: 'bass', acoustic: 0, patch: (r) => ({ kind: 'bass', osc: pick(r, ['saw', 'square'] as const), attackS: 0.002, decayS: 0.3, sustain: 0.6, releaseS: 0.05, cutoffHz: u(r, 400, 1400), resonance: u(r, 0.2, 0.6), envOctaves: u(r, 1, 2.5), subLevel: u(r, 0.2, 0.5) }) },
  '808 bass': { family: 'bass', acoustic: 0, patch: (r) => ({ kind: 'bass', osc: 'sine', attackS: 0.002, decayS: u(r, 1, 2), sustain: 0.4, releaseS: 0.3, subLevel: 0, drive: u(r, 1, 3) }) },
  'sub bass': { family: 'bass', acoustic: 0, patch: (r) => ({ kind: 'bass', osc: 'sine', attackS: 0.01, decayS: 0.5, sustain: 0.9, releaseS: 0.15, subLevel: u(r, 0, 0.2) }) },
  'acid bass': { family: 'bass', acoustic: 0, patch: (r) => ({ kind: 'subtractive', osc: 'saw', attackS: 0.002, decayS: u(r, 0.1, 0.25), sustain: 0.3, releaseS: 0.04, cutoffHz: u(r, 250, 500), resonance: u(r, 0.8, 0.92), envOctaves: u(r, 2, 3.5) }) },
  'chip bass': { family: 'bass', acoustic: 0, patch: (r) => ({ kind: 'chip', attackS: 0, decayS: 0.1, sustain: 0.9, releaseS: 0.01, duty: 0.5 }) },
  'bowed bass': { family: 'bass', acoustic: 1, patch: (r) => ({ kind: 'pad', osc: 'saw', attackS: u(r, 0.08, 0.2), decayS: 0.3, sustain: 0.9, releaseS: 0.3, voices: 2, detuneCents: 6, cutoffHz: u(r, 600, 1100), resonance: 0.05, envOctaves: 0 }) },
};

export function instrument(name: string): Instrument {
  const i = INSTRUMENTS[name];
  if (!i) throw new Error(`unknown instrument '${name}'`);
  return i;
}

/** A drum kit per artist within its style's character. */
export function drumKit(rand: Rand, character: DrumKit['character'], hardness: number): DrumKit {
  return {
    character,
    kickHz: u(rand, 45, 65),
    kickDecayS: character === 'electronic' ? u(rand, 0.25, 0.7) : u(rand, 0.15, 0.35),
    kickClick: u(rand, 0.1, 0.4) + 0.4 * hardness,
    kickSweep: u(rand, 1, 2.5),
    snareHz: u(rand, 160, 240),
    snareNoise: u(rand, 0.5, 0.85),
    snareDecayS: u(rand, 0.12, 0.3),
    hatCutoffHz: u(rand, 6000, 9000),
    hatDecayS: u(rand, 0.03, 0.08),
    tomHz: u(rand, 90, 160),
  };
}
