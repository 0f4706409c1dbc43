/**
 * The feature store's files and their text formats (docs/features.md), shared by the writer (pack.ts)
 * and the reader (store.ts):
 *   features.json  manifest, written last: its presence means the store is complete
 *   mel.npy        (total_frames, n_mels) '<f2', dB log-mel, all clips' frames concatenated
 *   mfcc.npy       (total_frames, 3·n_mfcc) '<f4', [mfcc | Δ | ΔΔ] per frame
 *   index.tsv      id  path  start_frame  frames  seconds  (sorted by id; rows tile the arrays)
 *   failed.tsv     path  error  (clips that could not be decoded; header only when none)
 * Text fields are escaped (\\ \t \n \r) so a path with a tab or newline cannot break a row.
 */
import type { NativeMelConfig } from '../../src/native/addon';
import { EarshotError } from '../../src/errors';

export const FEATURES_FORMAT = 'earshot-features';
export const FEATURES_VERSION = 1;
export const FILES = { manifest: 'features.json', mel: 'mel.npy', mfcc: 'mfcc.npy', index: 'index.tsv', failed: 'failed.tsv', shards: 'shards' } as const;
export const INDEX_HEADER = 'id\tpath\tstart_frame\tframes\tseconds';
export const FAILED_HEADER = 'path\terror';

export interface FeatureManifest {
  format: typeof FEATURES_FORMAT;
  version: number;
  mel: { file: string; dtype: '<f2'; shape: [number, number]; options: NativeMelConfig; frameStepS: number };
  mfcc: { file: string; dtype: '<f4'; shape: [number, number]; nMfcc: number; deltaWidth: number; layout: string };
  clips: number;
  totalFrames: number;
  failures: number;
  /** Clips computed by the run that packed the store, and carried over from shards or a previous store. */
  computed: number;
  reused: number;
  /** What --audio was; source '' for 'clips' (runFeatures given the clip list itself: index.tsv has each path). */
  audio: { source: string; kind: 'directory' | 'list' | 'file' | 'clips' };
  command: string;
  createdAt: string;
}

export interface ClipRow {
  id: string;
  /** Absolute path of the source audio. */
  path: string;
  startFrame: number;
  frames: number;
  /** Duration of the decoded source (samples / source rate). */
  seconds: number;
}

export function escapeTsv(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

export function unescapeTsv(s: string): string {
  return s.replace(/\\([\\tnr])/g, (_, c: string) => (c === '\\' ? '\\' : c === 't' ? '\t' : c === 'n' ? '\n' : '\r'));
}

/** Seconds with microsecond resolution and no float noise: 30, 4.000023. */
export function formatSeconds(s: number): string {
  return String(Number(s.toFixed(6)));
}

export function formatIndex(rows: readonly ClipRow[]): string {
  const lines = rows.map((r) => [escapeTsv(r.id), escapeTsv(r.path), r.startFrame, r.frames, formatSeconds(r.seconds)].join('\t'));
  return [INDEX_HEADER, ...lines].join('\n') + '\n';
}

export function formatFailed(rows: readonly { path: string; error: string }[]): string {
  return [FAILED_HEADER, ...rows.map((r) => `${escapeTsv(r.path)}\t${escapeTsv(r.error)}`)].join('\n') + '\n';
}

/** failed.tsv's rows (formatFailed's inverse); a missing header gives ERR_FEATURE_STORE. */
export function parseFailed(text: string, label: string): { path: string; error: string }[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== FAILED_HEADER) corrupt(`${label}: first line must be the header "${FAILED_HEADER.replace(/\t/g, '\\t')}", got ${JSON.stringify(lines[0] ?? '')}`);
  return lines.slice(1).map((line) => {
    const tab = line.indexOf('\t');
    return { path: unescapeTsv(tab < 0 ? line : line.slice(0, tab)), error: tab < 0 ? '' : unescapeTsv(line.slice(tab + 1)) };
  });
}

function corrupt(message: string): never {
  throw new EarshotError('ERR_FEATURE_STORE', message);
}

/**
 * Parses index.tsv and checks that its rows tile [0, totalFrames): row k starts where row k-1 ended,
 * every clip has ≥ 1 frame, ids are unique and sorted.
 */
export function parseIndex(text: string, label: string): ClipRow[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== INDEX_HEADER) corrupt(`${label}: first line must be the header "${INDEX_HEADER.replace(/\t/g, '\\t')}", got ${JSON.stringify(lines[0] ?? '')}`);
  const rows: ClipRow[] = [];
  let expectStart = 0;
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split('\t');
    const where = `${label}: line ${i + 1}`;
    if (f.length !== 5) corrupt(`${where}: expected 5 tab-separated fields, got ${f.length}`);
    const [idText, pathText, startText, framesText, secondsText] = f;
    const int = (name: string, t: string) => {
      if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t))) corrupt(`${where}: ${name} "${t}" is not a non-negative integer`);
      return Number(t);
    };
    const row: ClipRow = { id: unescapeTsv(idText), path: unescapeTsv(pathText), startFrame: int('start_frame', startText), frames: int('frames', framesText), seconds: Number(secondsText) };
    if (row.id === '') corrupt(`${where}: empty id`);
    if (row.frames < 1) corrupt(`${where}: clip ${row.id} has 0 frames`);
    if (!(row.seconds >= 0)) corrupt(`${where}: seconds "${secondsText}" is not a non-negative number`);
    if (row.startFrame !== expectStart) corrupt(`${where}: clip ${row.id} starts at frame ${row.startFrame}, expected ${expectStart} (rows must tile the arrays in order)`);
    if (rows.length > 0 && !(rows[rows.length - 1].id < row.id)) corrupt(`${where}: id ${row.id} is not after ${rows[rows.length - 1].id} (ids must be unique and sorted)`);
    expectStart += row.frames;
    rows.push(row);
  }
  return rows;
}
