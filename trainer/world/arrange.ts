/**
 * The arranger: turns a song (key, mode, progression, form) and its artist's habits (groove, bass
 * and comping patterns) into timed events: drum hits and notes for the bass, chord and lead parts.
 * Times are in samples at WORLD_RATE_HZ; swing delays off-beat steps; the lead plays a two-bar motif
 * per section, re-pitched on each chord and mutated a little, so melodies repeat like real ones.
 */
import type { Artist, Song } from './catalog';
import { GROOVES, stepVelocity } from './drum-patterns';
import { songForm, timing, type Section, type Timing } from './form';
import { chordDegrees, degreeToMidi, midiToHz, MODES } from './harmony';
import { clamp, pick, uniform, type Rand } from './random';
import { STYLES } from './styles';
import { WORLD_RATE_HZ, type DrumKind } from './synth/patches';

export type Part = 'bass' | 'chords' | 'lead';

export interface NoteEvent {
  part: Part;
  start: number;
  length: number;
  freqHz: number;
  velocity: number;
}

export interface DrumEvent {
  start: number;
  kind: DrumKind;
  velocity: number;
}

export interface Arrangement {
  timing: Timing;
  sections: Section[];
  notes: NoteEvent[];
  drums: DrumEvent[];
}

interface Ctx {
  song: Song;
  artist: Artist;
  t: Timing;
  rand: Rand;
  mode: readonly number[];
  notes: NoteEvent[];
  drums: DrumEvent[];
}

/** Sample index of 16th step `step` of bar `bar`, with swing on off-beat 8ths or 16ths. */
function at(c: Ctx, bar: number, step: number): number {
  const { stepSamples, stepsPerBar } = c.t;
  const unit = STYLES[c.artist.style].swingUnit;
  const swung = unit === 16 ? step % 2 === 1 : step % 4 === 2;
  const delay = swung ? c.artist.swing * (unit === 16 ? 1 : 2) * stepSamples : 0;
  return Math.round((bar * stepsPerBar + step) * stepSamples + delay);
}

function note(c: Ctx, part: Part, bar: number, step: number, steps: number, midi: number, velocity: number): void {
  const start = at(c, bar, step);
  const length = Math.max(1, Math.round(steps * c.t.stepSamples));
  c.notes.push({ part, start, length, freqHz: midiToHz(midi), velocity: clamp(velocity, 0.05, 1) });
}

function chordRootAt(c: Ctx, bar: number): number {
  const p = c.song.progression;
  return p[bar % p.length];
}

function drumsForBar(c: Ctx, sec: Section, bar: number): void {
  const groove = GROOVES[c.artist.groove];
  if (!groove) throw new Error(`unknown groove '${c.artist.groove}'`);
  const grid = sec.name === 'chorus' ? groove.chorus : groove.verse;
  const cymbalsOnly = sec.name === 'intro' || sec.name === 'bridge';
  const energyGain = 0.7 + 0.3 * c.song.energy;
  for (const [kind, pattern] of Object.entries(grid) as [DrumKind, string][]) {
    if (cymbalsOnly && (kind === 'kick' || kind === 'snare' || kind === 'clap')) continue;
    for (let s = 0; s < c.t.stepsPerBar; s++) {
      const v = stepVelocity(pattern[s] ?? '.');
      if (v === 0) continue;
      if (kind === 'closed-hat' && groove.rollChance && s % 4 === 0 && c.rand() < groove.rollChance) {
        // A roll: six hits over one beat (32nd-note triplets).
        const beat = at(c, bar, s);
        for (let k = 0; k < 6; k++) c.drums.push({ start: Math.round(beat + (k * 4 * c.t.stepSamples) / 6), kind, velocity: 0.5 + 0.08 * k });
        s += 3;
        continue;
      }
      c.drums.push({ start: at(c, bar, s) + Math.round(uniform(c.rand, -0.002, 0.002) * WORLD_RATE_HZ), kind, velocity: clamp(v * energyGain * uniform(c.rand, 0.85, 1.05), 0.05, 1) });
    }
  }
  if (sec.name === 'chorus' && bar === sec.startBar && c.artist.groove !== 'none' && c.artist.groove !== 'sparse') {
    c.drums.push({ start: at(c, bar, 0), kind: 'crash', velocity: 0.8 });
  }
}

function bassForBar(c: Ctx, sec: Section, bar: number, tonic: number): void {
  if (sec.name === 'intro' && c.rand() < 0.6) return;
  const root = chordRootAt(c, bar);
  const next = chordRootAt(c, bar + 1);
  const m = (deg: number) => degreeToMidi(tonic, c.mode, deg);
  const n = c.t.stepsPerBar;
  const v = 0.75 + 0.2 * c.song.energy;
  const pattern = sec.name === 'bridge' ? 'sub-long' : c.artist.bass;
  switch (pattern) {
    case 'root-beats': for (let s = 0; s < n; s += 4) note(c, 'bass', bar, s, 3, m(root), v); break;
    case 'offbeat': for (let s = 2; s < n; s += 4) note(c, 'bass', bar, s, 1.5, m(root) + (s % 8 === 6 ? 12 : 0), v); break;
    case 'rolling': for (let s = 0; s < n; s++) if (s % 4 !== 0) note(c, 'bass', bar, s, 0.8, m(root), v * (s % 2 ? 0.8 : 1)); break;
    case 'sub-long': note(c, 'bass', bar, 0, n - 0.5, m(root), v); break;
    case 'boom': note(c, 'bass', bar, 0, 6, m(root), v); note(c, 'bass', bar, 7, 2, m(root), v * 0.8); if (n > 12) note(c, 'bass', bar, 10, 4, m(root + 4), v * 0.9); break;
    case '808': note(c, 'bass', bar, 0, 8, m(root), v); if (n > 12) note(c, 'bass', bar, 10, 6, m(root) + (c.rand() < 0.3 ? 12 : 0), v); break;
    case 'eighths': for (let s = 0; s < n; s += 2) note(c, 'bass', bar, s, 1.6, m(root), v * (s % 4 ? 0.85 : 1)); break;
    case 'sixteenths': for (let s = 0; s < n; s++) note(c, 'bass', bar, s, 0.8, m(root), v * (s % 4 ? 0.8 : 1)); break;
    case 'root-fifth': note(c, 'bass', bar, 0, n === 12 ? 4 : 6, m(root), v); note(c, 'bass', bar, n === 12 ? 4 : 8, n === 12 ? 4 : 6, m(root + 4) - 12, v * 0.9); if (n === 12) note(c, 'bass', bar, 8, 4, m(root + 4) - 12, v * 0.85); break;
    case 'walking': {
      const steps = [m(root), m(root + pick(c.rand, [1, 2])), m(root + 4), m(next) + (c.rand() < 0.5 ? 1 : -1)];
      for (let b = 0; b < n / 4; b++) note(c, 'bass', bar, b * 4, 3.8, steps[b] ?? m(root), v * (b % 2 ? 0.85 : 1));
      break;
    }
    case 'reggae': for (const [s, len, d] of [[0, 3, 0], [3, 1, 0], [6, 2, 4], [8, 3, 2], [11, 1, 0], [14, 2, 7]] as const) if (s < n) note(c, 'bass', bar, s, len, m(root + d), v); break;
    case 'octave': for (let s = 0; s < n; s += 2) note(c, 'bass', bar, s, 1.5, m(root) + (s % 4 ? 12 : 0), v); break;
  }
}

function compForBar(c: Ctx, sec: Section, bar: number, tonic: number): void {
  const root = chordRootAt(c, bar);
  const sevenths = STYLES[c.artist.style].sevenths;
  const degs = chordDegrees(root, sevenths);
  const tones = degs.map((d) => degreeToMidi(tonic, c.mode, d));
  const n = c.t.stepsPerBar;
  const v = (sec.name === 'chorus' ? 0.8 : 0.65) * (0.8 + 0.2 * c.song.energy);
  const all = (s: number, len: number, vel = v) => tones.forEach((t) => note(c, 'chords', bar, s, len, t, vel));
  switch (c.artist.comp) {
    case 'pad': all(0, n - 0.2); break;
    case 'drone': if (bar % 2 === 0) all(0, 2 * n - 0.5, v * 0.9); break;
    case 'stab': for (let s = 2; s < n; s += 4) if (c.rand() < 0.85) all(s, 1.2); break;
    case 'block': all(0, n === 12 ? 10 : 6); if (n === 16) all(8, 6, v * 0.85); break;
    case 'skank': for (let s = 4; s < n; s += 8) all(s, 1, v * 0.9); break;
    case 'comp': for (const s of [0, 3, 6, 8, 10, 14]) if (s < n && c.rand() < 0.4) all(s, pick(c.rand, [2, 3, 4]), v * uniform(c.rand, 0.7, 1)); break;
    case 'arp': {
      const seq = [...tones, ...tones.map((t) => t + 12)];
      const every = c.song.tempoBpm < 100 ? 2 : 1;
      for (let s = 0, k = 0; s < n; s += every, k++) note(c, 'chords', bar, s, every * 0.9, seq[k % seq.length], v * (s % 4 ? 0.8 : 1));
      break;
    }
    case 'power': {
      const power = [degreeToMidi(tonic, c.mode, root), degreeToMidi(tonic, c.mode, root) + 7, degreeToMidi(tonic, c.mode, root) + 12];
      if (sec.name === 'chorus') for (let s = 0; s < n; s += n / 2) power.forEach((t) => note(c, 'chords', bar, s, n / 2 - 0.3, t, v));
      else for (let s = 0; s < n; s += 2) power.forEach((t) => note(c, 'chords', bar, s, 1.4, t, v * (s % 4 ? 0.8 : 1)));
      break;
    }
    case 'strum': {
      // Down and up strums; each string sounds ~12 ms after the previous one, as from a pick.
      const onsets = n === 12 ? [0, 4, 8] : [0, 4, 6, 10, 12, 14];
      onsets.forEach((s, k) => {
        const len = (onsets[k + 1] ?? n) - s;
        const order = k % 2 === 0 ? tones : [...tones].reverse();
        order.forEach((t, j) => {
          const start = at(c, bar, s) + Math.round(j * 0.012 * WORLD_RATE_HZ);
          c.notes.push({ part: 'chords', start, length: Math.round(len * c.t.stepSamples), freqHz: midiToHz(t), velocity: v * (k % 2 ? 0.75 : 1) });
        });
      });
      break;
    }
  }
}

interface MotifNote { step: number; steps: number; deg: number; vel: number }

/** Two bars of melody as scale degrees relative to the chord root: a random walk that lands on chord tones on beats. */
function makeMotif(c: Ctx, density: number): MotifNote[] {
  const n = c.t.stepsPerBar * 2;
  const out: MotifNote[] = [];
  let deg = pick(c.rand, [0, 2, 4]);
  for (let s = 0; s < n; s++) {
    const strong = s % 4 === 0;
    if (c.rand() >= density * (strong ? 1.6 : 0.8)) continue;
    deg = clamp(deg + pick(c.rand, [-2, -1, -1, 0, 1, 1, 2, 3, -3]), -2, 9);
    if (strong && deg % 2 !== 0) deg += c.rand() < 0.5 ? 1 : -1;
    out.push({ step: s, steps: 0, deg, vel: uniform(c.rand, 0.6, 0.9) * (strong ? 1 : 0.85) });
  }
  out.forEach((m, i) => (m.steps = Math.max(0.8, Math.min(((out[i + 1]?.step ?? n) - m.step) * 0.95, 6))));
  return out;
}

function leadForSection(c: Ctx, sec: Section, motif: MotifNote[], tonic: number): void {
  const n = c.t.stepsPerBar;
  for (let b = 0; b < sec.bars; b += 2) {
    for (const m of motif) {
      const bar = sec.startBar + b + Math.floor(m.step / n);
      if (bar >= sec.startBar + sec.bars) break;
      if (c.rand() < 0.1) continue;
      const deg = chordRootAt(c, bar) + m.deg + (c.rand() < 0.12 ? pick(c.rand, [-1, 1]) : 0);
      note(c, 'lead', bar, m.step % n, m.steps, degreeToMidi(tonic, c.mode, deg), m.vel);
    }
  }
}

export function arrange(song: Song, artist: Artist, clipSeconds: number, rand: Rand): Arrangement {
  const t = timing(song.tempoBpm, artist.meter, WORLD_RATE_HZ);
  const sections = songForm(song.renderSeed, t, clipSeconds);
  const c: Ctx = { song, artist, t, rand, mode: MODES[song.mode], notes: [], drums: [] };
  // Registers: bass tonic in E1..D#2, chords in E3..D#4, lead an octave above the chords.
  const bassTonic = 28 + ((song.key + 8) % 12);
  const chordTonic = bassTonic + 24;
  const leadTonic = chordTonic + 12 + (song.valence > 0.6 ? 12 * (rand() < 0.3 ? 1 : 0) : 0);
  const verseMotif = makeMotif(c, song.melodyDensity);
  const chorusMotif = makeMotif(c, Math.min(0.7, song.melodyDensity * 1.6));
  for (const sec of sections) {
    for (let bar = sec.startBar; bar < sec.startBar + sec.bars; bar++) {
      drumsForBar(c, sec, bar);
      bassForBar(c, sec, bar, bassTonic);
      compForBar(c, sec, bar, chordTonic);
    }
    if (sec.name === 'verse') leadForSection(c, sec, verseMotif, leadTonic);
    else if (sec.name === 'chorus') leadForSection(c, sec, chorusMotif, leadTonic);
    else if (sec.name === 'bridge') leadForSection(c, sec, verseMotif.filter((_, i) => i % 2 === 0), leadTonic);
  }
  return { timing: t, sections, notes: c.notes, drums: c.drums };
}
