/**
 * The world's files: songs.tsv (what a catalogue would publish), plays.tsv (Taste Profile triplets),
 * truth.json (every hidden parameter, for checking models against the truth) and world.json (how it
 * was made). Text is built deterministically: fixed field order, fixed row order, no timestamps.
 */
import type { Catalog } from './catalog';
import { songForm, timing } from './form';
import { KEY_NAMES } from './harmony';
import { FAMILIES } from './instruments';
import type { Listener, Plays } from './listeners';
import { STYLES } from './styles';
import { WORLD_RATE_HZ } from './synth/patches';

export const SONGS_TSV_HEADER = ['id', 'artist', 'title', 'style', 'tempo_bpm', 'key', 'mode', 'instruments', 'moods'] as const;

export function songsTsv(c: Catalog): string {
  const rows = [SONGS_TSV_HEADER.join('\t')];
  for (const s of c.songs) {
    rows.push([s.id, c.artists[s.artist].name, s.title, STYLES[s.style].name, s.tempoBpm, KEY_NAMES[s.key], s.mode, s.instruments.join(','), s.moods.join(',')].join('\t'));
  }
  return rows.join('\n') + '\n';
}

/** One line per (user, song) with count ≥ 1, users in id order, songs ascending: `user<TAB>song<TAB>count`. */
export function playsTsv(listeners: readonly Listener[], c: Catalog, plays: Plays): string {
  const parts: string[] = [];
  listeners.forEach((l, u) => {
    const songs = plays.songs[u];
    const counts = plays.counts[u];
    for (let j = 0; j < songs.length; j++) parts.push(`${l.id}\t${c.songs[songs[j]].id}\t${counts[j]}\n`);
  });
  return parts.join('');
}

export const UTILITY_MODEL =
  'u(user, song) = styleAffinity[style] - energyWeight*(energy - energyCenter)^2 - valenceWeight*(valence - valenceCenter)^2 ' +
  '- tempoWeight*log2(tempoBpm / tempoCenterBpm)^2 + acousticWeight*(acousticness - 0.5) + sum(familyLikes[f] for f in families) + popularityWeight*ln(popularity) + artist.reputation; ' +
  'library = the `activity` songs with the largest u + Gumbel(0,1) noise (sampling without replacement, p ∝ exp(u)); ' +
  'plays = 1 + NegativeBinomial(mean = meanPlays*exp(0.6*clamp(u - mean u over the library, -4, 4)), dispersion)';

export function truthJson(c: Catalog, listeners: readonly Listener[], plays: Plays, clipSeconds: number): string {
  const artists = c.artists.map((a) => ({
    id: a.id, name: a.name, style: STYLES[a.style].name, reputation: a.reputation, tempoBpm: a.tempoBpm, meter: a.meter, swing: a.swing,
    modes: a.modes, groove: a.groove, bassPattern: a.bass, comp: a.comp, kit: a.kit,
    instruments: { bass: a.bassInstrument, chords: a.chordInstrument, lead: a.leadInstrument },
    patches: { bass: a.bassPatch, chords: a.chordPatch, lead: a.leadPatch },
    brightnessHz: a.brightnessHz, reverb: a.reverb, noise: a.noise, ducking: a.ducking, masterDrive: a.masterDrive, energy: a.energy, valence: a.valence,
  }));
  const listenerCount = new Int32Array(c.songs.length);
  for (const s of plays.songs) for (const i of s) listenerCount[i]++;
  const songs = c.songs.map((s) => {
    const a = c.artists[s.artist];
    const sections = songForm(s.renderSeed, timing(s.tempoBpm, a.meter, WORLD_RATE_HZ), clipSeconds);
    return {
      id: s.id, artist: a.id, title: s.title, style: STYLES[s.style].name, tempoBpm: s.tempoBpm, meter: a.meter, key: KEY_NAMES[s.key], mode: s.mode,
      progression: s.progression, energy: s.energy, valence: s.valence, acousticness: s.acousticness, instruments: s.instruments, families: s.families,
      moods: s.moods, melodyDensity: s.melodyDensity, popularity: s.popularity, listeners: listenerCount[s.index], renderSeed: s.renderSeed,
      sections: sections.map((x) => ({ name: x.name, startS: x.startS, endS: x.endS })),
    };
  });
  const users = listeners.map((l) => ({ ...l, styleAffinity: Object.fromEntries(STYLES.map((st, i) => [st.name, l.styleAffinity[i]])) }));
  return JSON.stringify({ format: 'earshot-world-truth', version: 1, utilityModel: UTILITY_MODEL, styles: STYLES.map((s) => s.name), families: FAMILIES, artists, songs, users }) + '\n';
}

export interface WorldManifest {
  preset: string | null;
  seed: number;
  songs: number;
  users: number;
  artists: number;
  plays: number;
  audioFormat: 'wav' | 'flac';
  clipSeconds: number;
  sampleRateHz: number;
}

export function worldJson(m: WorldManifest): string {
  return JSON.stringify({ format: 'earshot-world', version: 1, ...m, files: { audio: `audio/<id>.${m.audioFormat}`, songs: 'songs.tsv', plays: 'plays.tsv', truth: 'truth.json' } }, null, 2) + '\n';
}
