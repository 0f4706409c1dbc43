/**
 * The world's styles: each a distribution over what the arranger and the synthesizer draw (tempo,
 * meter, swing, modes, chord progressions, drum/bass/comping patterns, instruments, brightness, reverb,
 * noise) and over the audible traits listeners care about (energy, valence). Artists are drawn from a
 * style (catalog.ts) and songs from an artist, so there are three levels of variation.
 */
import type { DrumKit } from './synth/patches';

export type Range = readonly [number, number];

/** Comping: how the chord instrument plays a bar. */
export type CompPattern = 'pad' | 'stab' | 'strum' | 'power' | 'skank' | 'comp' | 'arp' | 'block' | 'drone';
/** How the bass plays a bar. */
export type BassPattern =
  | 'root-beats' | 'offbeat' | 'rolling' | 'sub-long' | 'boom' | '808' | 'eighths' | 'sixteenths' | 'root-fifth' | 'walking' | 'reggae' | 'octave';

export interface StyleDef {
  name: string;
  tempoBpm: Range;
  /** Beats per bar (16th-note steps per bar = 4 × meter). */
  meters: readonly (3 | 4)[];
  /** Delay of off-beat 8ths or 16ths as a share of a step (0 = straight). */
  swing: Range;
  swingUnit: 8 | 16;
  modes: readonly string[];
  /** Chord roots as scale degrees (0-based), one chord per bar (two per bar when chordsPerBar = 2). */
  progressions: readonly (readonly number[])[];
  chordsPerBar: 1 | 2;
  /** Chords with the 7th added. */
  sevenths: boolean;
  drums: readonly string[];
  kit: DrumKit['character'];
  bass: readonly BassPattern[];
  bassInstruments: readonly string[];
  comp: readonly CompPattern[];
  chordInstruments: readonly string[];
  leadInstruments: readonly string[];
  /** Melody notes per 16th step (before the chorus boost). */
  melodyDensity: Range;
  /** Audible traits, 0..1: energy (tempo, density, drive), valence (major, bright, happy). */
  energy: Range;
  valence: Range;
  /** Master low-pass corner (Hz): dark vs bright mixes. */
  brightnessHz: Range;
  reverbMix: Range;
  reverbDecayS: Range;
  /** Background noise level (RMS relative to full scale) and its colour. */
  noise: Range;
  noiseColor: 'white' | 'pink' | 'vinyl';
  /** Sidechain-style pumping depth 0..1, drive on the master, bit depth (0 = no crush). */
  ducking: Range;
  masterDrive: Range;
  crushBits: number;
  moods: readonly string[];
}

export const STYLES: readonly StyleDef[] = [
  {
    name: 'house', tempoBpm: [118, 128], meters: [4], swing: [0, 0.1], swingUnit: 16, modes: ['minor', 'dorian', 'major'],
    progressions: [[0, 5, 3, 4], [0, 3, 0, 3], [1, 4, 0, 0], [0, 6, 5, 6]], chordsPerBar: 1, sevenths: true,
    drums: ['four-floor'], kit: 'electronic', bass: ['offbeat', 'octave'], bassInstruments: ['synth bass', 'electric bass'],
    comp: ['stab', 'pad'], chordInstruments: ['electric piano', 'organ', 'warm pad', 'piano'], leadInstruments: ['synth lead', 'bells', 'piano'],
    melodyDensity: [0.08, 0.2], energy: [0.6, 0.85], valence: [0.4, 0.8], brightnessHz: [6000, 10000], reverbMix: [0.15, 0.3], reverbDecayS: [1, 2],
    noise: [0, 0.002], noiseColor: 'white', ducking: [0.25, 0.5], masterDrive: [0.5, 1.5], crushBits: 0, moods: ['groovy', 'energetic', 'uplifting'],
  },
  {
    name: 'techno', tempoBpm: [126, 138], meters: [4], swing: [0, 0.05], swingUnit: 16, modes: ['minor', 'phrygian'],
    progressions: [[0, 0, 0, 0], [0, 0, 6, 6], [0, 1, 0, 1]], chordsPerBar: 1, sevenths: false,
    drums: ['techno'], kit: 'electronic', bass: ['rolling', 'offbeat'], bassInstruments: ['acid bass', 'synth bass'],
    comp: ['drone', 'stab'], chordInstruments: ['warm pad', 'acid synth', 'bells'], leadInstruments: ['acid synth', 'bells', 'synth lead'],
    melodyDensity: [0.05, 0.2], energy: [0.75, 0.95], valence: [0.05, 0.35], brightnessHz: [5000, 9000], reverbMix: [0.15, 0.35], reverbDecayS: [1.5, 3],
    noise: [0, 0.003], noiseColor: 'white', ducking: [0.2, 0.45], masterDrive: [1, 2.5], crushBits: 0, moods: ['dark', 'hypnotic', 'energetic'],
  },
  {
    name: 'drum-and-bass', tempoBpm: [165, 178], meters: [4], swing: [0, 0.05], swingUnit: 16, modes: ['minor', 'dorian'],
    progressions: [[0, 5, 2, 6], [0, 3, 5, 4], [0, 0, 5, 5]], chordsPerBar: 1, sevenths: true,
    drums: ['dnb'], kit: 'electronic', bass: ['sub-long', '808'], bassInstruments: ['sub bass', 'synth bass'],
    comp: ['pad', 'drone'], chordInstruments: ['warm pad', 'string section', 'choir pad'], leadInstruments: ['bells', 'synth lead', 'electric piano'],
    melodyDensity: [0.05, 0.15], energy: [0.8, 1], valence: [0.2, 0.55], brightnessHz: [7000, 10500], reverbMix: [0.2, 0.35], reverbDecayS: [1.5, 3],
    noise: [0, 0.002], noiseColor: 'white', ducking: [0, 0.2], masterDrive: [0.8, 2], crushBits: 0, moods: ['energetic', 'dark', 'intense'],
  },
  {
    name: 'hip-hop', tempoBpm: [84, 96], meters: [4], swing: [0.15, 0.3], swingUnit: 16, modes: ['minor', 'dorian'],
    progressions: [[0, 3, 0, 3], [0, 5, 3, 4], [1, 4, 0, 5]], chordsPerBar: 1, sevenths: true,
    drums: ['boom-bap'], kit: 'acoustic', bass: ['boom', 'root-beats'], bassInstruments: ['electric bass', 'upright bass', 'sub bass'],
    comp: ['block', 'comp'], chordInstruments: ['electric piano', 'piano', 'string section'], leadInstruments: ['flute', 'vibraphone', 'brass'],
    melodyDensity: [0.05, 0.15], energy: [0.45, 0.65], valence: [0.25, 0.55], brightnessHz: [4500, 7500], reverbMix: [0.08, 0.2], reverbDecayS: [0.6, 1.2],
    noise: [0.002, 0.008], noiseColor: 'vinyl', ducking: [0, 0.1], masterDrive: [0.8, 1.8], crushBits: 0, moods: ['groovy', 'laid-back', 'urban'],
  },
  {
    name: 'trap', tempoBpm: [130, 150], meters: [4], swing: [0, 0.05], swingUnit: 16, modes: ['minor', 'phrygian'],
    progressions: [[0, 5, 0, 5], [0, 6, 5, 6], [0, 3, 5, 3]], chordsPerBar: 1, sevenths: false,
    drums: ['trap'], kit: 'electronic', bass: ['808'], bassInstruments: ['808 bass'],
    comp: ['drone', 'arp'], chordInstruments: ['bells', 'choir pad', 'warm pad', 'piano'], leadInstruments: ['bells', 'flute', 'synth lead'],
    melodyDensity: [0.08, 0.2], energy: [0.6, 0.8], valence: [0.05, 0.35], brightnessHz: [6000, 10000], reverbMix: [0.15, 0.3], reverbDecayS: [1, 2.5],
    noise: [0, 0.002], noiseColor: 'white', ducking: [0, 0.1], masterDrive: [1, 2.5], crushBits: 0, moods: ['dark', 'aggressive', 'urban'],
  },
  {
    name: 'rock', tempoBpm: [108, 145], meters: [4], swing: [0, 0.05], swingUnit: 8, modes: ['major', 'mixolydian', 'minor'],
    progressions: [[0, 4, 5, 3], [0, 3, 4, 3], [0, 6, 3, 0], [5, 3, 0, 4]], chordsPerBar: 1, sevenths: false,
    drums: ['rock'], kit: 'acoustic', bass: ['eighths', 'root-fifth'], bassInstruments: ['electric bass'],
    comp: ['power', 'strum'], chordInstruments: ['distorted guitar', 'clean electric guitar'], leadInstruments: ['distorted guitar', 'clean electric guitar', 'organ'],
    melodyDensity: [0.12, 0.3], energy: [0.65, 0.85], valence: [0.4, 0.8], brightnessHz: [6000, 9500], reverbMix: [0.1, 0.25], reverbDecayS: [0.8, 1.6],
    noise: [0, 0.003], noiseColor: 'white', ducking: [0, 0.05], masterDrive: [1, 2], crushBits: 0, moods: ['energetic', 'rebellious', 'uplifting'],
  },
  {
    name: 'metal', tempoBpm: [150, 200], meters: [4], swing: [0, 0.02], swingUnit: 16, modes: ['minor', 'phrygian'],
    progressions: [[0, 0, 5, 6], [0, 1, 0, 6], [0, 5, 6, 0]], chordsPerBar: 1, sevenths: false,
    drums: ['metal'], kit: 'acoustic', bass: ['sixteenths', 'eighths'], bassInstruments: ['electric bass'],
    comp: ['power'], chordInstruments: ['heavy guitar', 'distorted guitar'], leadInstruments: ['heavy guitar', 'distorted guitar'],
    melodyDensity: [0.2, 0.45], energy: [0.88, 1], valence: [0, 0.25], brightnessHz: [5000, 8000], reverbMix: [0.08, 0.2], reverbDecayS: [0.8, 1.5],
    noise: [0, 0.003], noiseColor: 'white', ducking: [0, 0.05], masterDrive: [1.5, 3], crushBits: 0, moods: ['aggressive', 'intense', 'dark'],
  },
  {
    name: 'folk', tempoBpm: [84, 120], meters: [4, 3], swing: [0, 0.15], swingUnit: 8, modes: ['major', 'mixolydian', 'minor'],
    progressions: [[0, 3, 4, 0], [0, 4, 5, 3], [5, 3, 0, 4], [0, 3, 0, 4]], chordsPerBar: 1, sevenths: false,
    drums: ['folk', 'none'], kit: 'acoustic', bass: ['root-fifth'], bassInstruments: ['upright bass'],
    comp: ['strum', 'arp'], chordInstruments: ['acoustic guitar', 'nylon guitar', 'harp'], leadInstruments: ['flute', 'melodica', 'nylon guitar', 'harp'],
    melodyDensity: [0.1, 0.25], energy: [0.25, 0.5], valence: [0.5, 0.85], brightnessHz: [5000, 8500], reverbMix: [0.12, 0.28], reverbDecayS: [0.8, 1.6],
    noise: [0, 0.002], noiseColor: 'pink', ducking: [0, 0], masterDrive: [0, 0.3], crushBits: 0, moods: ['warm', 'happy', 'acoustic'],
  },
  {
    name: 'chamber', tempoBpm: [60, 100], meters: [3, 4], swing: [0, 0], swingUnit: 8, modes: ['major', 'minor'],
    progressions: [[0, 3, 4, 0], [0, 5, 1, 4], [0, 4, 5, 2], [5, 1, 4, 0]], chordsPerBar: 1, sevenths: false,
    drums: ['none'], kit: 'acoustic', bass: ['root-beats', 'root-fifth'], bassInstruments: ['bowed bass', 'upright bass'],
    comp: ['pad', 'arp', 'block'], chordInstruments: ['string section', 'harp', 'piano', 'organ'], leadInstruments: ['flute', 'piano', 'string section'],
    melodyDensity: [0.12, 0.3], energy: [0.1, 0.35], valence: [0.25, 0.75], brightnessHz: [4000, 7000], reverbMix: [0.3, 0.45], reverbDecayS: [2, 3.5],
    noise: [0, 0.001], noiseColor: 'pink', ducking: [0, 0], masterDrive: [0, 0.1], crushBits: 0, moods: ['elegant', 'calm', 'melancholic'],
  },
  {
    name: 'ambient', tempoBpm: [60, 80], meters: [4], swing: [0, 0], swingUnit: 8, modes: ['major', 'dorian', 'minor'],
    progressions: [[0, 0, 3, 3], [0, 5, 0, 5], [0, 3, 5, 4]], chordsPerBar: 1, sevenths: true,
    drums: ['none', 'sparse'], kit: 'electronic', bass: ['sub-long'], bassInstruments: ['sub bass', 'bowed bass'],
    comp: ['drone', 'pad'], chordInstruments: ['warm pad', 'choir pad', 'string section'], leadInstruments: ['bells', 'vibraphone', 'choir pad'],
    melodyDensity: [0.02, 0.08], energy: [0.02, 0.2], valence: [0.3, 0.65], brightnessHz: [2500, 5000], reverbMix: [0.45, 0.65], reverbDecayS: [3.5, 6],
    noise: [0.001, 0.004], noiseColor: 'pink', ducking: [0, 0], masterDrive: [0, 0.1], crushBits: 0, moods: ['calm', 'dreamy', 'atmospheric'],
  },
  {
    name: 'reggae', tempoBpm: [68, 84], meters: [4], swing: [0.1, 0.25], swingUnit: 16, modes: ['major', 'minor', 'mixolydian'],
    progressions: [[0, 3, 0, 3], [0, 4, 3, 4], [0, 5, 3, 4]], chordsPerBar: 1, sevenths: false,
    drums: ['one-drop'], kit: 'acoustic', bass: ['reggae'], bassInstruments: ['electric bass', 'synth bass'],
    comp: ['skank'], chordInstruments: ['organ', 'clean electric guitar', 'piano'], leadInstruments: ['melodica', 'brass', 'organ'],
    melodyDensity: [0.08, 0.2], energy: [0.35, 0.55], valence: [0.6, 0.9], brightnessHz: [4500, 7500], reverbMix: [0.15, 0.3], reverbDecayS: [1, 2],
    noise: [0, 0.003], noiseColor: 'pink', ducking: [0, 0], masterDrive: [0.3, 1], crushBits: 0, moods: ['laid-back', 'happy', 'groovy'],
  },
  {
    name: 'jazz', tempoBpm: [110, 190], meters: [4], swing: [0.3, 0.45], swingUnit: 8, modes: ['dorian', 'major', 'mixolydian'],
    progressions: [[1, 4, 0, 0], [0, 5, 1, 4], [2, 5, 1, 4]], chordsPerBar: 1, sevenths: true,
    drums: ['jazz'], kit: 'acoustic', bass: ['walking'], bassInstruments: ['upright bass'],
    comp: ['comp'], chordInstruments: ['piano', 'electric piano', 'vibraphone'], leadInstruments: ['brass', 'flute', 'vibraphone', 'piano'],
    melodyDensity: [0.2, 0.4], energy: [0.35, 0.6], valence: [0.45, 0.75], brightnessHz: [4500, 8000], reverbMix: [0.12, 0.25], reverbDecayS: [1, 2],
    noise: [0, 0.002], noiseColor: 'pink', ducking: [0, 0], masterDrive: [0, 0.4], crushBits: 0, moods: ['sophisticated', 'smooth', 'lively'],
  },
  {
    name: 'synth-pop', tempoBpm: [100, 126], meters: [4], swing: [0, 0.05], swingUnit: 16, modes: ['major', 'mixolydian'],
    progressions: [[0, 4, 5, 3], [5, 3, 0, 4], [0, 5, 3, 4]], chordsPerBar: 1, sevenths: false,
    drums: ['synth-pop'], kit: 'electronic', bass: ['eighths', 'octave'], bassInstruments: ['synth bass'],
    comp: ['arp', 'pad'], chordInstruments: ['supersaw', 'warm pad', 'electric piano'], leadInstruments: ['synth lead', 'bells', 'supersaw'],
    melodyDensity: [0.15, 0.3], energy: [0.6, 0.8], valence: [0.7, 0.95], brightnessHz: [8000, 10500], reverbMix: [0.15, 0.3], reverbDecayS: [1, 2],
    noise: [0, 0.001], noiseColor: 'white', ducking: [0, 0.25], masterDrive: [0.5, 1.2], crushBits: 0, moods: ['happy', 'uplifting', 'bright'],
  },
  {
    name: 'lo-fi', tempoBpm: [70, 88], meters: [4], swing: [0.2, 0.35], swingUnit: 16, modes: ['dorian', 'minor', 'major'],
    progressions: [[1, 4, 0, 5], [0, 3, 2, 5], [3, 2, 1, 0]], chordsPerBar: 1, sevenths: true,
    drums: ['lofi'], kit: 'acoustic', bass: ['root-beats', 'boom'], bassInstruments: ['electric bass', 'upright bass'],
    comp: ['block', 'pad'], chordInstruments: ['electric piano', 'piano', 'vibraphone'], leadInstruments: ['vibraphone', 'flute', 'electric piano'],
    melodyDensity: [0.05, 0.15], energy: [0.15, 0.4], valence: [0.35, 0.65], brightnessHz: [2200, 3800], reverbMix: [0.15, 0.3], reverbDecayS: [1, 2],
    noise: [0.004, 0.012], noiseColor: 'vinyl', ducking: [0, 0.15], masterDrive: [0.5, 1.2], crushBits: 12, moods: ['chill', 'mellow', 'nostalgic'],
  },
  {
    name: 'chiptune', tempoBpm: [135, 170], meters: [4], swing: [0, 0.05], swingUnit: 16, modes: ['major', 'minor'],
    progressions: [[0, 4, 5, 3], [0, 5, 3, 4], [0, 3, 4, 4]], chordsPerBar: 1, sevenths: false,
    drums: ['chip'], kit: 'chip', bass: ['octave', 'eighths'], bassInstruments: ['chip bass'],
    comp: ['arp'], chordInstruments: ['chip pulse'], leadInstruments: ['chip pulse'],
    melodyDensity: [0.25, 0.45], energy: [0.65, 0.9], valence: [0.55, 0.95], brightnessHz: [9000, 10800], reverbMix: [0, 0.08], reverbDecayS: [0.5, 1],
    noise: [0, 0.001], noiseColor: 'white', ducking: [0, 0], masterDrive: [0, 0.3], crushBits: 8, moods: ['playful', 'retro', 'energetic'],
  },
];

export function styleIndex(name: string): number {
  const i = STYLES.findIndex((s) => s.name === name);
  if (i < 0) throw new Error(`unknown style '${name}'`);
  return i;
}
