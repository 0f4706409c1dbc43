/**
 * One rendering job: a song → its audio file (16-bit PCM WAV, or FLAC through ffmpeg), written to a
 * temporary name and renamed, so an interrupted run never leaves a truncated clip.
 */
import { spawn } from 'node:child_process';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import * as fs from 'node:fs';
import type { Artist, Song } from './catalog';
import { renderSong } from './render-song';
import { WORLD_RATE_HZ } from './synth/patches';

export type AudioFormat = 'wav' | 'flac';

export interface RenderJob {
  song: Song;
  artist: Artist;
  clipSeconds: number;
  path: string;
  format: AudioFormat;
  ffmpegPath?: string;
}

export interface RenderResult {
  peak: number;
  rms: number;
}

export async function encodeClip(job: RenderJob): Promise<RenderResult> {
  const { samples } = renderSong(job.song, job.artist, job.clipSeconds);
  let peak = 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    peak = Math.max(peak, Math.abs(samples[i]));
    sum += samples[i] * samples[i];
  }
  const wav = encodeWavPcm16(samples, WORLD_RATE_HZ);
  if (job.format === 'wav') writeFileAtomic(job.path, wav);
  else await encodeFlac(wav, job.path, job.ffmpegPath ?? 'ffmpeg');
  return { peak, rms: Math.sqrt(sum / samples.length) };
}

/** FLAC through ffmpeg with bit-exact flags, so the same samples always give the same bytes. */
function encodeFlac(wav: Buffer, path: string, ffmpeg: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp.flac`;
  return new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'wav', '-i', 'pipe:0', '-c:a', 'flac', '-fflags', '+bitexact', '-flags:a', '+bitexact', '-map_metadata', '-1', '-y', tmp], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (err) => reject(new EarshotError('ERR_TOOL_MISSING', `cannot run ffmpeg for FLAC output: ${err.message}`)));
    child.stdin.on('error', () => undefined); // reported through the exit status
    child.on('close', (code) => {
      if (code === 0) {
        fs.renameSync(tmp, path);
        resolve();
      } else {
        fs.rmSync(tmp, { force: true });
        reject(new EarshotError('ERR_DECODER_FAILED', `ffmpeg could not encode ${path} (exit ${code}): ${stderr.trim()}`));
      }
    });
    child.stdin.end(wav);
  });
}
