/**
 * A montage of a benchmark world: one spectrogram tile per song for the first `perStyle` songs of
 * each style (in songs.tsv order), each under a label line "<style> — <artist> — <title> — <tempo> BPM",
 * laid out row-major in a grid. It shows at a glance whether the styles sound (look) different.
 *
 * World layout read here: <world>/songs.tsv (tab-separated, header
 * `id artist title style tempo_bpm key mode instruments moods`) and <world>/audio/<id>.wav or .flac.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANALYSIS_RATE_HZ } from '../../src/audio/load';
import { MEL_DEFAULTS } from '../../src/dsp/mel-options';
import { EarshotError } from '../../src/errors';
import { CELL_HEIGHT, drawText, textWidth } from '../../src/image/bitmap-font';
import type { Rgb } from '../../src/image/colormap';
import type { RgbImage } from '../../src/image/raster';
import { readClip, spectrogramTile } from '../../src/image/spectrogram';
import { readSongsTsv, type SongRow } from './songs-tsv';

/** Audio file extensions tried for a song id, in this order. */
const AUDIO_EXTENSIONS = ['.wav', '.flac'];

/** Pixels: around the grid and between cells; between a label's font cell and its tile. */
export const MONTAGE_MARGIN_PX = 8;
export const MONTAGE_LABEL_GAP_PX = 3;
/** Label line height (one 9 px font cell at scale 1). */
export const MONTAGE_LABEL_HEIGHT_PX = CELL_HEIGHT;
const BACKGROUND: Rgb = [255, 255, 255];
const INK: Rgb = [32, 32, 32];

/** The first `perStyle` songs of each style, styles in order of first appearance, songs in file order. */
export function pickPerStyle(songs: readonly SongRow[], perStyle: number): SongRow[] {
  const byStyle = new Map<string, SongRow[]>();
  for (const s of songs) {
    const picked = byStyle.get(s.style) ?? [];
    if (picked.length < perStyle) picked.push(s);
    byStyle.set(s.style, picked);
  }
  return [...byStyle.values()].flat();
}

/** <world>/audio/<id>.wav, else .flac; ERR_IO naming both when neither exists. */
export function songAudioPath(world: string, song: SongRow): string {
  const tried = AUDIO_EXTENSIONS.map((ext) => path.join(world, 'audio', song.id + ext));
  const found = tried.find((p) => fs.existsSync(p));
  if (!found) throw new EarshotError('ERR_IO', `no audio for song "${song.id}" (songs.tsv line ${song.line}): neither ${tried.join(' nor ')} exists`);
  return found;
}

export function songLabel(song: SongRow): string {
  const tempo = Number.isInteger(song.tempoBpm) ? String(song.tempoBpm) : song.tempoBpm.toFixed(1);
  return `${song.style} \u2014 ${song.artist} \u2014 ${song.title} \u2014 ${tempo} BPM`;
}

/** `text`, cut with "..." so that it fits `maxPx` at font scale 1. */
function fitText(text: string, maxPx: number): string {
  if (textWidth(text) <= maxPx) return text;
  const chars = [...text];
  let n = chars.length;
  while (n > 0 && textWidth(chars.slice(0, n).join('') + '...') > maxPx) n--;
  return chars.slice(0, n).join('') + '...';
}

export interface MontageOptions {
  /** Seconds of each song drawn, from its start, > 0. Default 10. */
  seconds?: number;
  /** Tiles per grid row, integer >= 1 (at most the number of tiles). Default 2. */
  columns?: number;
  /** Songs per style, integer >= 1. Default 1. */
  perStyle?: number;
  /** Pixels per mel band, integer 1..64. Default 1 (tiles 128 px tall). */
  heightScale?: number;
}

export interface MontageLayout {
  columns: number;
  rows: number;
  /** One cell: a label line, a gap, a tile of tileWidth × tileHeight. */
  tileWidth: number;
  tileHeight: number;
  width: number;
  height: number;
}

/** Frames computeMel gives `seconds` of audio (center=true: 1 + floor(samples / hop)). */
export function framesFor(seconds: number): number {
  return 1 + Math.floor(Math.round(seconds * ANALYSIS_RATE_HZ) / MEL_DEFAULTS.hopSamples);
}

/** Grid geometry for `tiles` tiles; every cell is as wide as a full-length tile. */
export function montageLayout(tiles: number, o: Required<MontageOptions>): MontageLayout {
  const columns = Math.min(o.columns, tiles);
  const rows = Math.ceil(tiles / columns);
  const tileWidth = framesFor(o.seconds);
  const tileHeight = MEL_DEFAULTS.nMels * o.heightScale;
  const cellHeight = MONTAGE_LABEL_HEIGHT_PX + MONTAGE_LABEL_GAP_PX + tileHeight;
  return {
    columns, rows, tileWidth, tileHeight,
    width: columns * tileWidth + (columns + 1) * MONTAGE_MARGIN_PX,
    height: rows * cellHeight + (rows + 1) * MONTAGE_MARGIN_PX,
  };
}

function checkOptions(o: MontageOptions): Required<MontageOptions> {
  const r = { seconds: o.seconds ?? 10, columns: o.columns ?? 2, perStyle: o.perStyle ?? 1, heightScale: o.heightScale ?? 1 };
  const bad = (m: string): never => {
    throw new EarshotError('ERR_INVALID_ARGUMENT', m);
  };
  if (!Number.isFinite(r.seconds) || r.seconds <= 0 || r.seconds > 600) bad(`seconds must be in (0, 600], got ${String(r.seconds)}`);
  if (!Number.isInteger(r.columns) || r.columns < 1 || r.columns > 64) bad(`columns must be an integer in 1..64, got ${String(r.columns)}`);
  if (!Number.isInteger(r.perStyle) || r.perStyle < 1 || r.perStyle > 1000) bad(`perStyle must be an integer in 1..1000, got ${String(r.perStyle)}`);
  if (!Number.isInteger(r.heightScale) || r.heightScale < 1 || r.heightScale > 64) bad(`heightScale must be an integer in 1..64, got ${String(r.heightScale)}`);
  return r;
}

function blit(dst: RgbImage, src: RgbImage, x: number, y: number): void {
  const w = Math.min(src.width, dst.width - x);
  for (let r = 0; r < src.height && y + r < dst.height; r++) {
    dst.rgb.set(src.rgb.subarray(r * src.width * 3, (r * src.width + w) * 3), ((y + r) * dst.width + x) * 3);
  }
}

export interface MontageTile {
  song: SongRow;
  audioPath: string;
  label: string;
  /** Seconds drawn: less than asked for a shorter song (its tile is narrower than the cell). */
  durationS: number;
}

/**
 * Reads the world and renders the montage. Every audio file is located before any is decoded, so a
 * missing clip fails fast. Errors: ERR_IO (songs.tsv or audio missing), ERR_INVALID_ARGUMENT (bad
 * songs.tsv or options), and the decoders' codes for unreadable audio.
 */
export async function renderMontage(world: string, options: MontageOptions = {}): Promise<{ image: RgbImage; layout: MontageLayout; tiles: MontageTile[] }> {
  const o = checkOptions(options);
  const songs = pickPerStyle(readSongsTsv(world), o.perStyle);
  const paths = songs.map((s) => songAudioPath(world, s));
  const layout = montageLayout(songs.length, o);
  const image: RgbImage = { width: layout.width, height: layout.height, rgb: new Uint8Array(layout.width * layout.height * 3) };
  for (let i = 0; i < image.rgb.length; i += 3) image.rgb.set(BACKGROUND, i);
  const tiles: MontageTile[] = [];
  for (let i = 0; i < songs.length; i++) {
    const col = i % layout.columns, row = Math.floor(i / layout.columns);
    const x = MONTAGE_MARGIN_PX + col * (layout.tileWidth + MONTAGE_MARGIN_PX);
    const y = MONTAGE_MARGIN_PX + row * (MONTAGE_LABEL_HEIGHT_PX + MONTAGE_LABEL_GAP_PX + layout.tileHeight + MONTAGE_MARGIN_PX);
    const clip = await readClip(paths[i], { seconds: o.seconds });
    const tile = spectrogramTile(clip.samples, { pixelsPerBand: o.heightScale });
    const label = fitText(songLabel(songs[i]), layout.tileWidth);
    drawText(image.rgb, image.width, x, y, label, INK, 1);
    blit(image, tile, x, y + MONTAGE_LABEL_HEIGHT_PX + MONTAGE_LABEL_GAP_PX);
    tiles.push({ song: songs[i], audioPath: paths[i], label, durationS: clip.durationS });
  }
  return { image, layout, tiles };
}
