/**
 * Scales and chords for the arranger: a mode is a list of semitone offsets from the tonic; a chord is
 * built by stacking every other scale degree (triads, optionally 7ths), so progressions written as
 * scale degrees work in any key and mode.
 */
export const MODES: Record<string, readonly number[]> = {
  major: [0, 2, 4, 5, 7, 9, 11],
  minor: [0, 2, 3, 5, 7, 8, 10],
  dorian: [0, 2, 3, 5, 7, 9, 10],
  mixolydian: [0, 2, 4, 5, 7, 9, 10],
  phrygian: [0, 1, 3, 5, 7, 8, 10],
};

export const KEY_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;

/** Equal-tempered frequency of a MIDI note (A4 = 69 = 440 Hz). */
export function midiToHz(midi: number): number {
  return 440 * Math.pow(2, (midi - 69) / 12);
}

/** MIDI note of scale degree `degree` (any integer; 7 = the tonic an octave up) above `tonicMidi`. */
export function degreeToMidi(tonicMidi: number, mode: readonly number[], degree: number): number {
  const n = mode.length;
  const octave = Math.floor(degree / n);
  const d = degree - octave * n;
  return tonicMidi + 12 * octave + mode[d];
}

/** Scale degrees of the chord on `root`: root, 3rd, 5th (and 7th). */
export function chordDegrees(root: number, sevenths: boolean): number[] {
  return sevenths ? [root, root + 2, root + 4, root + 6] : [root, root + 2, root + 4];
}

/** Whether a mode sounds major (a major third above the tonic): drives valence. */
export function isMajorMode(mode: string): boolean {
  return MODES[mode][2] === 4;
}
