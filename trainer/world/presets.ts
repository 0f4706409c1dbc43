/** World sizes: tiny for CI, small for the default model, paper-subset for the shape of the paper's Table 2. */
export interface WorldSize {
  songs: number;
  users: number;
}

export const PRESETS: Record<string, WorldSize> = {
  tiny: { songs: 200, users: 500 },
  small: { songs: 2000, users: 20000 },
  'paper-subset': { songs: 9330, users: 20000 },
};

/** About six songs per artist, and at least one artist per style. */
export function artistCountFor(songs: number, styles: number): number {
  return Math.max(styles, Math.round(songs / 6));
}
