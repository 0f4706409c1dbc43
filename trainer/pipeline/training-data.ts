/**
 * What the trainer's pipeline trains on, whatever the source: a service's own plays file and music
 * folder (`earshot-train model --plays --audio [--songs]`) or a generated benchmark world
 * (`earshot-train experiment --world`, whose songs.tsv is just songs with extra columns). Both become
 * one TrainingData, and from there one pipeline (model-pipeline.ts) runs the same stages.
 */

/** How the plays file is laid out (plays-input.ts). 'auto' looks at the first line. */
export type PlaysFormat = 'auto' | 'triplets' | 'columns' | 'hetrec';

/** One song the catalogue may hold: its audio (if any was found), what a player shows and opens, its tags. */
export interface SongEntry {
  /** The id the plays file uses. */
  id: string;
  /** Absolute path of its audio, or null when none was found (counted, never fatal by itself). */
  audio: string | null;
  /** '' when unknown. */
  artist: string;
  title: string;
  /** What a player should open (URL or path); '' when the songs file gives none (the audio path is not assumed playable elsewhere). */
  uri: string;
  /** Human labels (genre, mood, soundtrack...), for the tag model; empty when none. */
  tags: string[];
}

export interface TrainingData {
  /** Names the source in manifests and reports (the plays file, or the world folder). */
  source: string;
  plays: { path: string; format: PlaysFormat };
  /** Songs with audio or metadata, sorted by id; ids unique. */
  songs: SongEntry[];
  /**
   * Hex SHA-256 digests that key the pipeline's stages (stage-cache.ts): the plays file's bytes, the
   * songs file's bytes (absent without one), and the audio listing (id, path, size, mtime of every file).
   */
  inputHashes: { plays: string; songs?: string; audio: string };
  /** What could not be used, for the report: ids listed in --songs whose audio file is missing, undecodable names... */
  problems: { kind: 'audio-missing' | 'duplicate-stem' | 'songs-line'; id?: string; path?: string; message: string }[];
}
