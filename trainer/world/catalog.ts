/**
 * The catalogue: artists drawn from styles (each artist a sub-style with its own instruments, drum kit,
 * tempo, mix and hidden reputation) and songs drawn from artists (key, mode, progression, energy,
 * valence, hidden popularity, and the seed their audio is rendered from). Everything a listener can
 * hear is summarised in audible traits (style, energy, valence, acousticness, instrument families);
 * popularity and reputation are not in the audio at all.
 */
import { drumKit, instrument, type Family } from './instruments';
import { isMajorMode } from './harmony';
import { clamp, deriveSeed, mulberry32, normal, pareto, pick, pickWeighted, uniform, type Rand } from './random';
import { STYLES, type BassPattern, type CompPattern } from './styles';
import type { DrumKit, ReverbParams, TonePatch } from './synth/patches';

export interface Artist {
  id: string;
  name: string;
  style: number;
  tempoBpm: number;
  meter: 3 | 4;
  swing: number;
  modes: string[];
  groove: string;
  kit: DrumKit;
  bass: BassPattern;
  bassInstrument: string;
  bassPatch: TonePatch;
  comp: CompPattern;
  chordInstrument: string;
  chordPatch: TonePatch;
  leadInstrument: string;
  leadPatch: TonePatch;
  brightnessHz: number;
  reverb: ReverbParams;
  noise: number;
  ducking: number;
  masterDrive: number;
  energy: number;
  valence: number;
  /** Hidden: how much listeners favour this artist regardless of the sound (log-utility units). */
  reputation: number;
}

export interface Song {
  id: string;
  index: number;
  artist: number;
  title: string;
  style: number;
  tempoBpm: number;
  key: number;
  mode: string;
  progression: number[];
  energy: number;
  valence: number;
  acousticness: number;
  /** Instrument names in the mix (chords, lead, bass) and the drum kit's character when drums play. */
  instruments: string[];
  families: Family[];
  moods: string[];
  /** Melody notes per 16th step in a verse. */
  melodyDensity: number;
  /** Hidden: Pareto(2) popularity, multiplies every listener's chance to meet the song. */
  popularity: number;
  /** Seed of the song's own random stream (arrangement, synthesis, noise). */
  renderSeed: number;
}

export interface Catalog {
  artists: Artist[];
  songs: Song[];
}

const ADJECTIVES = ['Silver', 'Neon', 'Hollow', 'Golden', 'Velvet', 'Midnight', 'Electric', 'Paper', 'Crystal', 'Wild', 'Quiet', 'Broken', 'Crimson', 'Distant', 'Lunar', 'Rusty', 'Bright', 'Frozen', 'Secret', 'Solar'];
const NOUNS = ['Harbor', 'Engine', 'Garden', 'River', 'Signal', 'Mirror', 'Forest', 'Circuit', 'Lantern', 'Desert', 'Echo', 'Orchard', 'Satellite', 'Canyon', 'Tide', 'Meadow', 'Ember', 'Machine', 'Island', 'Cathedral'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'sa', 'vo', 'tel', 'an', 'do', 'ri', 'zu', 'mar', 'el', 'no', 'ta', 'ves'];

function artistName(rand: Rand): string {
  if (rand() < 0.5) return `The ${pick(rand, ADJECTIVES)} ${pick(rand, NOUNS)}s`;
  const word = () => {
    const s = pick(rand, SYLLABLES) + pick(rand, SYLLABLES) + (rand() < 0.5 ? pick(rand, SYLLABLES) : '');
    return s[0].toUpperCase() + s.slice(1);
  };
  return `${word()} ${word()}`;
}

function songTitle(rand: Rand): string {
  const r = rand();
  if (r < 0.4) return `${pick(rand, ADJECTIVES)} ${pick(rand, NOUNS)}`;
  if (r < 0.7) return `${pick(rand, NOUNS)} of ${pick(rand, NOUNS)}s`;
  return `${pick(rand, ADJECTIVES)}`;
}

function drawArtist(seed: number, index: number, style: number): Artist {
  const rand = mulberry32(deriveSeed(seed, 1, index));
  const s = STYLES[style];
  const kitCharacter = s.kit;
  const energy = uniform(rand, s.energy[0], s.energy[1]);
  const modes = s.modes.filter(() => rand() < 0.7);
  const bassInstrument = pick(rand, s.bassInstruments);
  const chordInstrument = pick(rand, s.chordInstruments);
  const leadInstrument = pick(rand, s.leadInstruments);
  // Patches come from their own stream so that adding a patch parameter keeps every other draw.
  const patchRand = mulberry32(deriveSeed(seed, 2, index));
  return {
    id: `AR${String(index + 1).padStart(4, '0')}`,
    name: artistName(rand),
    style,
    tempoBpm: uniform(rand, s.tempoBpm[0], s.tempoBpm[1]),
    meter: pick(rand, s.meters),
    swing: uniform(rand, s.swing[0], s.swing[1]),
    modes: modes.length > 0 ? modes : [pick(rand, s.modes)],
    groove: pick(rand, s.drums),
    kit: drumKit(rand, kitCharacter, energy),
    bass: pick(rand, s.bass),
    bassInstrument,
    bassPatch: instrument(bassInstrument).patch(patchRand),
    comp: pick(rand, s.comp),
    chordInstrument,
    chordPatch: instrument(chordInstrument).patch(patchRand),
    leadInstrument,
    leadPatch: instrument(leadInstrument).patch(patchRand),
    brightnessHz: uniform(rand, s.brightnessHz[0], s.brightnessHz[1]),
    reverb: { mix: uniform(rand, s.reverbMix[0], s.reverbMix[1]), decayS: uniform(rand, s.reverbDecayS[0], s.reverbDecayS[1]), damping: uniform(rand, 0.2, 0.6), preDelayMs: uniform(rand, 5, 30) },
    noise: uniform(rand, s.noise[0], s.noise[1]),
    ducking: uniform(rand, s.ducking[0], s.ducking[1]),
    masterDrive: uniform(rand, s.masterDrive[0], s.masterDrive[1]),
    energy,
    valence: uniform(rand, s.valence[0], s.valence[1]),
    reputation: normal(rand, 0, 0.6),
  };
}

function moodsOf(styleMoods: readonly string[], energy: number, valence: number, rand: Rand): string[] {
  const moods = new Set<string>([pick(rand, styleMoods)]);
  if (energy > 0.75) moods.add('energetic');
  if (energy < 0.3) moods.add('calm');
  if (valence > 0.7) moods.add('happy');
  if (valence < 0.3) moods.add(energy > 0.6 ? 'dark' : 'sad');
  if (moods.size < 2) moods.add(pick(rand, styleMoods));
  return [...moods].slice(0, 3);
}

function drawSong(seed: number, index: number, artistIndex: number, a: Artist): Song {
  const rand = mulberry32(deriveSeed(seed, 3, index));
  const s = STYLES[a.style];
  const energy = clamp(a.energy + normal(rand, 0, 0.06), 0, 1);
  const valence = clamp(a.valence + normal(rand, 0, 0.08), 0, 1);
  // Valence decides between the artist's major and minor modes where it has both.
  const major = a.modes.filter(isMajorMode);
  const minor = a.modes.filter((m) => !isMajorMode(m));
  const mode = major.length && minor.length ? pick(rand, rand() < valence ? major : minor) : pick(rand, a.modes);
  const span = s.tempoBpm[1] - s.tempoBpm[0];
  const tempoBpm = Math.round(clamp(a.tempoBpm + (energy - a.energy) * span + normal(rand, 0, 2), s.tempoBpm[0] - 4, s.tempoBpm[1] + 4));
  const names = [a.chordInstrument, a.leadInstrument, a.bassInstrument];
  const hasDrums = a.groove !== 'none';
  const acousticParts = names.map((n) => instrument(n).acoustic);
  if (hasDrums) acousticParts.push(a.kit.character === 'acoustic' ? 1 : 0);
  const families = [...new Set(names.map((n) => instrument(n).family).filter((f): f is Family => f !== 'bass'))];
  const mdLo = s.melodyDensity[0];
  const mdHi = s.melodyDensity[1];
  const energyInStyle = (energy - s.energy[0]) / Math.max(1e-6, s.energy[1] - s.energy[0]);
  return {
    id: `SO${String(index + 1).padStart(6, '0')}`,
    index,
    artist: artistIndex,
    title: songTitle(rand),
    style: a.style,
    tempoBpm,
    key: Math.floor(rand() * 12),
    mode,
    progression: [...pick(rand, s.progressions)],
    energy,
    valence,
    acousticness: acousticParts.reduce((x, y) => x + y, 0) / acousticParts.length,
    instruments: hasDrums ? [...names, `${a.kit.character} drums`] : names,
    families,
    moods: moodsOf(s.moods, energy, valence, rand),
    melodyDensity: mdLo + (mdHi - mdLo) * clamp(0.5 * energyInStyle + 0.5 * rand(), 0, 1),
    popularity: pareto(rand, 2),
    renderSeed: deriveSeed(seed, 4, index),
  };
}

/**
 * Draws `artistCount` artists (the first ones cycle through every style so each style is present)
 * and `songCount` songs, each from an artist picked with heavy-tailed weights: a few prolific artists,
 * many with one or two songs, as in real catalogues.
 */
export function drawCatalog(seed: number, songCount: number, artistCount: number): Catalog {
  const rand = mulberry32(deriveSeed(seed, 0));
  const artists: Artist[] = [];
  const names = new Map<string, number>();
  for (let i = 0; i < artistCount; i++) {
    const style = i < STYLES.length ? i : Math.floor(rand() * STYLES.length);
    const a = drawArtist(seed, i, style);
    // Names are drawn from small word lists; a repeat gets a number, as bands in different countries do.
    const seen = names.get(a.name) ?? 0;
    names.set(a.name, seen + 1);
    if (seen > 0) a.name = `${a.name} (${seen + 1})`;
    artists.push(a);
  }
  const weights = artists.map(() => pareto(rand, 1.5));
  const songs: Song[] = [];
  for (let i = 0; i < songCount; i++) {
    // Every artist gets at least one song while there are songs to go round.
    const ai = i < artistCount ? i : pickWeighted(rand, weights);
    songs.push(drawSong(seed, i, ai, artists[ai]));
  }
  return { artists, songs };
}
