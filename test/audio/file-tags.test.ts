// The in-process tag reader (src/audio/file-tags.ts) against the real peer it replaces: ffprobe, on the
// real clips of ../shared/data/audio re-tagged by ffmpeg in every container it reads (RIFF INFO, ID3v2.3
// with UTF-16 text, ID3v2.4, ID3v1, Ogg Vorbis, Opus, FLAC), and on the clips as shipped (some carry
// their composer's comments: wesnoth-battle.ogg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileTags } from '../../src/audio/file-tags';
import { probeTags } from '../../src/cli/catalog-add';
import { hostsOrSkip } from '../helpers/hosts';
import { sharedOrSkip } from '../helpers/shared';
import { tempFiles } from '../helpers/temp-files';

const tmp = tempFiles('file-tags');

/** Absent tags are undefined in both readers; compare only what they found. */
const found = (t: { artist?: string; title?: string } | null): { artist?: string; title?: string } => ({
  ...(t?.artist !== undefined && { artist: t.artist }),
  ...(t?.title !== undefined && { title: t.title }),
});

/** `source` copied (no re-encoding) into `name` with the given ffmpeg arguments before the output. */
function retag(source: string, name: string, args: string[]): string {
  const out = path.join(tmp.dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', source, '-map', '0:a', '-c', 'copy', ...args, out]);
  return out;
}

/** Appends an ID3v1 tag (128 bytes: "TAG", title, artist, album, year, comment, genre; NUL-padded Latin-1) to `file`. */
function withId3v1(file: string, title: string, artist: string): string {
  const field = (s: string, n: number): Buffer => Buffer.concat([Buffer.from(s, 'latin1'), Buffer.alloc(n - s.length)]);
  fs.appendFileSync(file, Buffer.concat([Buffer.from('TAG'), field(title, 30), field(artist, 30), field('', 30), field('2004', 4), field('', 30), Buffer.from([255])]));
  return file;
}

const ARTIST = 'Björk & 日本の歌手';
const TITLE = 'Héllo — “Wörld” (remix)';

test('tags written by ffmpeg in each container read back as ffprobe reads them', async (t) => {
  const audio = sharedOrSkip(t, 'data/audio');
  if (!audio || !hostsOrSkip(t, 'ffmpeg', 'ffprobe')) return;
  const clip = (name: string): string => path.join(audio, name);
  const meta = (artist: string, title: string): string[] => ['-metadata', `artist=${artist}`, '-metadata', `title=${title}`];
  // Ogg keeps its comments per stream, and some clips have their own (wesnoth-battle.ogg: its composer): replace them.
  const streamMeta = (artist: string, title: string): string[] => ['-map_metadata', '-1', '-metadata:s:a:0', `artist=${artist}`, '-metadata:s:a:0', `title=${title}`];
  const cases: { file: string; kind: string; expect?: { artist?: string; title?: string } }[] = [
    { kind: 'WAV, RIFF INFO', file: retag(clip('wesnoth-elvish-theme.wav'), 'info.wav', meta('Wesnoth Team', 'Elvish Theme')) },
    { kind: 'MP3, ID3v2.3 (UTF-16 text)', file: retag(clip('asc-machine-wars.mp3'), 'v23.mp3', ['-id3v2_version', '3', ...meta(ARTIST, TITLE)]), expect: { artist: ARTIST, title: TITLE } },
    { kind: 'MP3, ID3v2.4 (UTF-8 text)', file: retag(clip('asc-machine-wars.mp3'), 'v24.mp3', ['-id3v2_version', '4', ...meta(ARTIST, TITLE)]), expect: { artist: ARTIST, title: TITLE } },
    { kind: 'MP3, ID3v1 only', file: withId3v1(retag(clip('asc-machine-wars.mp3'), 'v1.mp3', ['-id3v2_version', '0']), 'Machine Wars', 'ASC Team'), expect: { artist: 'ASC Team', title: 'Machine Wars' } },
    { kind: 'MP3, ID3v2 (encoder only) hides ID3v1', file: withId3v1(retag(clip('asc-machine-wars.mp3'), 'v2v1.mp3', []), 'Hidden', 'Nobody'), expect: {} },
    { kind: 'MP3, title only', file: retag(clip('asc-machine-wars.mp3'), 'title-only.mp3', ['-metadata', 'title=Only a title']), expect: { title: 'Only a title' } },
    { kind: 'Ogg Vorbis', file: retag(clip('wesnoth-battle.ogg'), 'vorbis.ogg', streamMeta(ARTIST, TITLE)), expect: { artist: ARTIST, title: TITLE } },
    { kind: 'Opus', file: retag(clip('warzone2100-track17.opus'), 'opus.opus', streamMeta(ARTIST, TITLE)), expect: { artist: ARTIST, title: TITLE } },
    { kind: 'FLAC', file: retag(clip('ufoai-battlescape01.flac'), 'flac.flac', meta(ARTIST, TITLE)), expect: { artist: ARTIST, title: TITLE } },
    { kind: 'FLAC, long title', file: retag(clip('ufoai-battlescape01.flac'), 'long.flac', ['-metadata', `title=${'x'.repeat(3000)}`]), expect: { title: 'x'.repeat(3000) } },
  ];
  for (const c of cases) {
    const mine = readFileTags(c.file);
    assert.notEqual(mine, null, `${c.kind}: read in-process`);
    assert.deepEqual(found(mine), found(await probeTags(c.file)), `${c.kind}: as ffprobe`);
    if (c.expect) assert.deepEqual(found(mine), c.expect, `${c.kind}: the tags written`);
  }
});

test('the shared clips as shipped: the same tags as ffprobe; M4A is left to ffprobe', async (t) => {
  const audio = sharedOrSkip(t, 'data/audio');
  if (!audio || !hostsOrSkip(t, 'ffmpeg', 'ffprobe')) return;
  const clips = fs.readdirSync(audio).filter((f) => !f.endsWith('.md'));
  assert.equal(clips.length, 13);
  for (const f of clips) {
    const file = path.join(audio, f);
    const mine = readFileTags(file);
    assert.notEqual(mine, null, `${f}: a container read in-process`);
    assert.deepEqual(found(mine), found(await probeTags(file)), f);
  }
  const m4a = path.join(tmp.dir, 'song.m4a');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(audio, 'wesnoth-elvish-theme.wav'), '-t', '2', '-c:a', 'aac', '-metadata', 'title=M4A', m4a]);
  assert.equal(readFileTags(m4a), null, 'MP4 is not read here: the caller asks ffprobe');
  assert.deepEqual(found(await probeTags(m4a)), { title: 'M4A' });
});

test('damaged and odd files never throw past their tags: truncated tag blocks, a text file, an empty file', () => {
  // Built by hand (closed form), each the start of a real layout cut short or lying about its sizes.
  const id3 = Buffer.concat([Buffer.from('ID3\x03\x00\x00', 'latin1'), Buffer.from([0, 0, 0x7f, 0x7f]), Buffer.from('TIT2\x00\x00\x00\x09\x00\x00\x00Half', 'latin1')]);
  assert.deepEqual(found(readFileTags(tmp.write('cut.mp3', id3))), { title: 'Half' }, 'a frame longer than the file: what is there');
  const riff = Buffer.concat([Buffer.from('RIFF\xff\xff\xff\x7fWAVELIST\x20\x00\x00\x00INFOINAM\x05\x00\x00\x00Tune\x00', 'latin1')]);
  assert.deepEqual(found(readFileTags(tmp.write('cut.wav', riff))), { title: 'Tune' });
  const ogg = Buffer.from('OggS\x00\x02', 'latin1');
  assert.deepEqual(found(readFileTags(tmp.write('cut.ogg', ogg))), {});
  assert.equal(readFileTags(tmp.write('notes.txt', 'not audio at all')), null);
  assert.equal(readFileTags(tmp.write('empty.wav', '')), null);
  assert.throws(() => readFileTags(path.join(tmp.dir, 'missing.mp3')), /ENOENT/);
});
