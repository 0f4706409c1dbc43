/**
 * Drum grooves on a 16th-note grid, one string per drum and one character per step:
 * 'X' accent (velocity 1), 'x' normal (0.75), 'o' ghost (0.4), '.' rest. A groove has a verse and a
 * chorus variant (the chorus adds cymbals and drive), so 3-second windows of one song differ.
 * Three-four bars use the first 12 steps of each string.
 */
import type { DrumKind } from './synth/patches';

export type Grid = Partial<Record<DrumKind, string>>;

export interface Groove {
  verse: Grid;
  chorus: Grid;
  /** Trap-style hi-hat rolls: chance per beat that the closed hat plays 32nd-note triplets instead. */
  rollChance?: number;
}

export const GROOVES: Record<string, Groove> = {
  none: { verse: {}, chorus: {} },
  sparse: { verse: { shaker: 'o.......o.......' }, chorus: { shaker: 'o...o...o...o...', rim: '........o.......' } },
  'four-floor': {
    verse: { kick: 'X...X...X...X...', 'closed-hat': '..x...x...x...x.', clap: '....x.......x...' },
    chorus: { kick: 'X...X...X...X...', 'open-hat': '..x...x...x...x.', 'closed-hat': 'o.o.o.o.o.o.o.o.', clap: '....X.......X...', shaker: 'oooooooooooooooo' },
  },
  techno: {
    verse: { kick: 'X...X...X...X...', 'closed-hat': 'xoxoxoxoxoxoxoxo', rim: '...x..x....x..x.' },
    chorus: { kick: 'X...X...X...X...', 'open-hat': '..x...x...x...x.', 'closed-hat': 'xoxoxoxoxoxoxoxo', clap: '....x.......x...', rim: '...x..x..x.x..x.' },
  },
  dnb: {
    verse: { kick: 'X.........X.....', snare: '....X..o.o..X..o', 'closed-hat': 'x.x.x.x.x.x.x.x.' },
    chorus: { kick: 'X.........X..x..', snare: '....X..o.o..X..o', ride: 'x.x.x.x.x.x.x.x.', 'closed-hat': 'oxoxoxoxoxoxoxox' },
  },
  'boom-bap': {
    verse: { kick: 'X......x..X.....', snare: '....X.......X...', 'closed-hat': 'x.x.x.x.x.x.x.x.' },
    chorus: { kick: 'X......x..X..x..', snare: '....X.......X...', 'closed-hat': 'x.x.x.x.x.x.x.x.', 'open-hat': '..............x.' },
  },
  trap: {
    verse: { kick: 'X.......x.x.....', snare: '........X.......', 'closed-hat': 'x.x.x.x.x.x.x.x.' },
    chorus: { kick: 'X..x....x.x...x.', snare: '........X.......', clap: '........x.......', 'closed-hat': 'xxxxxxxxxxxxxxxx', 'open-hat': '......x.........' },
    rollChance: 0.2,
  },
  rock: {
    verse: { kick: 'X.....x.X.......', snare: '....X.......X...', 'closed-hat': 'x.x.x.x.x.x.x.x.' },
    chorus: { kick: 'X.....x.X.x.....', snare: '....X.......X...', ride: 'x.x.x.x.x.x.x.x.', 'tom-low': '..............o.' },
  },
  metal: {
    verse: { kick: 'xxxxxxxxxxxxxxxx', snare: '....X.......X...', 'closed-hat': 'x.x.x.x.x.x.x.x.' },
    chorus: { kick: 'xxxxxxxxxxxxxxxx', snare: '....X.......X...', crash: 'x...x...x...x...', 'tom-high': '.............oo.' },
  },
  folk: {
    verse: { kick: 'x.......x.......', shaker: 'x.o.x.o.x.o.x.o.' },
    chorus: { kick: 'x.......x.......', shaker: 'x.o.x.o.x.o.x.o.', rim: '....o.......o...', conga: '......o.......o.' },
  },
  'one-drop': {
    verse: { kick: '........X.......', rim: '........x.......', 'closed-hat': 'x.x.x.x.x.x.x.x.' },
    chorus: { kick: '........X.......', snare: '........x.......', 'closed-hat': 'x.xox.xox.xox.xo', 'open-hat': '..............x.' },
  },
  jazz: {
    verse: { ride: 'x...x.x.x...x.x.', 'closed-hat': '....x.......x...', kick: 'o.......o.......' },
    chorus: { ride: 'X...x.x.X...x.x.', 'closed-hat': '....x.......x...', snare: '......o....o...o', kick: 'o.......o.....o.' },
  },
  'synth-pop': {
    verse: { kick: 'X.......X.......', snare: '....X.......X...', 'closed-hat': 'x.x.x.x.x.x.x.x.' },
    chorus: { kick: 'X.......X.x.....', snare: '....X.......X...', clap: '....x.......x...', 'closed-hat': 'xxxxxxxxxxxxxxxx', 'tom-high': '..............oo' },
  },
  lofi: {
    verse: { kick: 'X......x..x.....', snare: '....x.......x...', 'closed-hat': 'x.o.x.o.x.o.x.o.' },
    chorus: { kick: 'X......x..x..x..', snare: '....x.......x...', 'closed-hat': 'x.o.x.o.x.o.x.o.', shaker: '..o...o...o...o.' },
  },
  chip: {
    verse: { kick: 'X.......X.x.....', snare: '....X.......X...', 'closed-hat': 'x.x.x.x.x.x.x.x.' },
    chorus: { kick: 'X...X...X...X...', snare: '....X.......X..x', 'closed-hat': 'xxxxxxxxxxxxxxxx' },
  },
};

export function stepVelocity(ch: string): number {
  return ch === 'X' ? 1 : ch === 'x' ? 0.75 : ch === 'o' ? 0.4 : 0;
}
