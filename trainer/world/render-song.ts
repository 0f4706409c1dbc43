/**
 * Renders one song to mono float32 at WORLD_RATE_HZ: arrangement → one buffer per part → a stereo
 * mix folded to mono (the chord part is spread with a short inter-channel delay, so the fold leaves
 * the comb colouring real stereo-to-mono downmixes have) → pumping, reverb, tone, drive, crush, noise
 * → loudness normalisation. Deterministic: every random draw comes from the song's own seeds.
 */
import { arrange, type Arrangement, type Part } from './arrange';
import type { Artist, Song } from './catalog';
import { deriveSeed, mulberry32, uniform } from './random';
import { STYLES } from './styles';
import { renderDrum } from './synth/drums';
import { addNoise, applyBitcrush, applyDrive, applyDucking, applyLowpass, applyReverb } from './synth/effects';
import { WORLD_RATE_HZ } from './synth/patches';
import { renderTone } from './synth/tones';

export interface RenderedSong {
  samples: Float32Array;
  arrangement: Arrangement;
}

/** Part levels before normalisation: drums and bass carry the groove, the lead sits on top. */
const PART_GAIN: Record<Part, number> = { bass: 0.55, chords: 0.32, lead: 0.4 };
const DRUM_GAIN = 0.7;

export function renderSong(song: Song, artist: Artist, clipSeconds: number): RenderedSong {
  const n = Math.round(clipSeconds * WORLD_RATE_HZ);
  const arrRand = mulberry32(song.renderSeed);
  const synthRand = mulberry32(deriveSeed(song.renderSeed, 1));
  const mixRand = mulberry32(deriveSeed(song.renderSeed, 3));
  const arrangement = arrange(song, artist, clipSeconds, arrRand);

  const parts: Record<Part, Float32Array> = { bass: new Float32Array(n), chords: new Float32Array(n), lead: new Float32Array(n) };
  const patch = { bass: artist.bassPatch, chords: artist.chordPatch, lead: artist.leadPatch };
  for (const e of arrangement.notes) {
    if (e.start >= n) continue;
    renderTone(parts[e.part], e.start, e.length, e.freqHz, e.velocity, patch[e.part], synthRand);
  }
  const drums = new Float32Array(n);
  for (const d of arrangement.drums) if (d.start < n && d.start >= 0) renderDrum(drums, d.start, d.kind, d.velocity, artist.kit, synthRand);

  const style = STYLES[artist.style];
  if (artist.ducking > 0) {
    const beat = arrangement.timing.stepSamples * 4;
    applyDucking(parts.bass, beat, artist.ducking);
    applyDucking(parts.chords, beat, artist.ducking);
  }
  // Stereo fold: chords panned with a 3-12 ms Haas delay on one side, summed to mono as (L + R) / 2.
  const haas = Math.round(uniform(mixRand, 0.003, 0.012) * WORLD_RATE_HZ);
  const pan = uniform(mixRand, 0.3, 0.8);
  const mix = new Float32Array(n);
  const cl = PART_GAIN.chords * (1 + pan) * 0.5;
  const cr = PART_GAIN.chords * (1 - pan) * 0.5;
  for (let i = 0; i < n; i++) {
    mix[i] =
      DRUM_GAIN * drums[i] + PART_GAIN.bass * parts.bass[i] + PART_GAIN.lead * parts.lead[i] +
      cl * parts.chords[i] + (i >= haas ? cr * parts.chords[i - haas] : 0);
  }
  applyReverb(mix, artist.reverb);
  // Valence brightens the mix a little: happy songs sit higher (up to ±15% of the corner).
  applyLowpass(mix, Math.min(10800, artist.brightnessHz * (0.85 + 0.3 * song.valence)));
  normalizeRms(mix, 0.12);
  if (artist.masterDrive > 0) applyDrive(mix, artist.masterDrive * (0.7 + 0.6 * song.energy));
  if (style.crushBits > 0) applyBitcrush(mix, style.crushBits, style.name === 'chiptune' ? 2 : 1);
  if (artist.noise > 0) addNoise(mix, artist.noise, style.noiseColor, synthRand);
  // Loudness: energetic songs are mastered louder (RMS -21 to -15 dBFS), then peaks kept below full scale.
  normalizeRms(mix, Math.pow(10, (-21 + 6 * song.energy) / 20));
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(mix[i]));
  if (peak > 0.98) for (let i = 0; i < n; i++) mix[i] *= 0.98 / peak;
  return { samples: mix, arrangement };
}

function normalizeRms(x: Float32Array, target: number): void {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  const rms = Math.sqrt(sum / Math.max(1, x.length));
  if (rms < 1e-9) return;
  const g = target / rms;
  for (let i = 0; i < x.length; i++) x[i] *= g;
}
