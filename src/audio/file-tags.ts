/**
 * A song's artist and title from its file's own tags, read in-process: RIFF INFO (and an `id3 ` chunk)
 * in WAV, ID3v2.2/2.3/2.4 (then ID3v1) in MP3, Vorbis comments in Ogg Vorbis/Opus and FLAC. These
 * are the tags ffprobe reports for the same files (test/audio/file-tags.test.ts compares them on real
 * files), without starting a process per file: `earshot catalog add` spent ≈ 100 ms of each file's time
 * spawning ffprobe. Other containers (MP4/M4A, AIFF, …) answer null: the caller asks ffprobe.
 * Only the bytes the tags need are read (a header, a chunk list, the last 128 bytes), never the audio.
 */
import * as fs from 'node:fs';
import { sniffContainer } from './magic';

export interface FileTags {
  artist?: string;
  title?: string;
}

/** Largest tag block read (cover art makes tags large; past this the tags are not worth the read). */
const MAX_TAG_BYTES = 16 << 20;

/** Random access to a file by offset (the file is opened once). */
class FileBytes {
  readonly size: number;
  constructor(private readonly fd: number) {
    this.size = fs.fstatSync(fd).size;
  }

  read(offset: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = fs.readSync(this.fd, buf, got, n - got, offset + got);
      if (r === 0) break;
      got += r;
    }
    return buf.subarray(0, got);
  }
}

/** Vorbis comment keys and ID3/RIFF frame ids → the names ffprobe gives them. */
const FIELD: Record<string, keyof FileTags> = { ARTIST: 'artist', TITLE: 'title', TPE1: 'artist', TIT2: 'title', TP1: 'artist', TT2: 'title', IART: 'artist', INAM: 'title' };

function setOnce(tags: FileTags, key: keyof FileTags | undefined, value: string): void {
  if (key && tags[key] === undefined && value !== '') tags[key] = value;
}

/** A Vorbis comment block (after any packet prefix): vendor, then count × "KEY=value", little-endian lengths. */
export function parseVorbisComments(b: Buffer): FileTags {
  const tags: FileTags = {};
  let o = 0;
  const u32 = (): number | null => (o + 4 <= b.length ? b.readUInt32LE((o += 4) - 4) : null);
  const vendor = u32();
  if (vendor === null || o + vendor > b.length) return tags;
  o += vendor;
  const count = u32() ?? 0;
  for (let i = 0; i < count; i++) {
    const len = u32();
    if (len === null || o + len > b.length) break;
    const s = b.toString('utf8', o, o + len);
    o += len;
    const eq = s.indexOf('=');
    if (eq > 0) setOnce(tags, FIELD[s.slice(0, eq).toUpperCase()], s.slice(eq + 1));
  }
  return tags;
}

/** ID3 text: its encoding byte, then ISO-8859-1, UTF-16 (BOM), UTF-16BE or UTF-8; the first string of a list. */
function id3Text(b: Buffer): string {
  const enc = b[0];
  const body = b.subarray(1);
  let s: string;
  if (enc === 1 || enc === 2) {
    let bytes = body;
    let le = enc === 1;
    if (enc === 1 && bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
      le = bytes[0] === 0xff;
      bytes = bytes.subarray(2);
    }
    const even = Buffer.from(bytes.subarray(0, bytes.length & ~1));
    if (!le) even.swap16();
    s = even.toString('utf16le');
  } else {
    s = body.toString(enc === 3 ? 'utf8' : 'latin1');
  }
  const nul = s.indexOf('\0');
  return nul >= 0 ? s.slice(0, nul) : s;
}

/** Undoes ID3 unsynchronisation (0xFF 0x00 → 0xFF). */
function resync(b: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    out.push(b[i]);
    if (b[i] === 0xff && b[i + 1] === 0x00) i++;
  }
  return Buffer.from(out);
}

const syncsafe = (b: Buffer, o: number): number => ((b[o] & 0x7f) << 21) | ((b[o + 1] & 0x7f) << 14) | ((b[o + 2] & 0x7f) << 7) | (b[o + 3] & 0x7f);

/** Total bytes of the ID3v2 tag at the start of `head` (header, body, footer), 0 when there is none. */
export function id3v2Length(head: Buffer): number {
  if (head.length < 10 || head.toString('latin1', 0, 3) !== 'ID3' || head[3] < 2 || head[3] > 4) return 0;
  return 10 + syncsafe(head, 6) + (head[3] === 4 && head[5] & 0x10 ? 10 : 0);
}

/** An ID3v2 tag (header included): the first artist and title frames. */
export function parseId3v2(tag: Buffer): FileTags {
  const tags: FileTags = {};
  const version = tag[3];
  const flags = tag[5];
  let body = tag.subarray(10, Math.min(tag.length, 10 + syncsafe(tag, 6)));
  if (version < 4 && flags & 0x80) body = resync(body); // v2.2/2.3: the whole tag is unsynchronised
  let o = 0;
  if (version >= 3 && flags & 0x40) o = version === 4 ? syncsafe(body, 0) : 4 + body.readUInt32BE(0); // extended header
  const idLen = version === 2 ? 3 : 4;
  const headLen = version === 2 ? 6 : 10;
  while (o + headLen <= body.length) {
    const id = body.toString('latin1', o, o + idLen);
    if (!/^[A-Z0-9]+$/.test(id)) break; // padding
    const size = version === 2 ? body.readUIntBE(o + 3, 3) : version === 4 ? syncsafe(body, o + 4) : body.readUInt32BE(o + 4);
    const frameFlags = version === 2 ? 0 : body.readUInt16BE(o + 8);
    let data = body.subarray(o + headLen, o + headLen + size);
    o += headLen + size;
    if (!(id in FIELD)) continue;
    if (version === 4) {
      if (frameFlags & 0x000c) continue; // compressed or encrypted: not a plain text frame
      if (frameFlags & 0x0001) data = data.subarray(4); // data length indicator
      if (frameFlags & 0x0002) data = resync(data);
    } else if (version === 3 && frameFlags & 0x00c0) continue;
    if (data.length > 0) setOnce(tags, FIELD[id], id3Text(data));
  }
  return tags;
}

/** The 128-byte ID3v1 tag at a file's end: title (30 bytes), artist (30), ISO-8859-1, NUL/space padded. */
export function parseId3v1(last: Buffer): FileTags {
  const tags: FileTags = {};
  if (last.length !== 128 || last.toString('latin1', 0, 3) !== 'TAG') return tags;
  const field = (o: number): string => last.toString('latin1', o, o + 30).replace(/\0.*$/s, '').trimEnd();
  setOnce(tags, 'title', field(3));
  setOnce(tags, 'artist', field(33));
  return tags;
}

function mp3Tags(f: FileBytes, head: Buffer): FileTags {
  const n = id3v2Length(head);
  // As ffmpeg: the ID3v1 tag at the end counts only when the file has no ID3v2 tag (one with just an
  // encoder frame hides it too: measured with ffprobe, test/audio/file-tags.test.ts).
  if (n === 0) return parseId3v1(f.read(f.size - 128, 128));
  return parseId3v2(n <= head.length ? head.subarray(0, n) : f.read(0, Math.min(n, MAX_TAG_BYTES)));
}

/** WAV: the chunks after the header; LIST/INFO items, else an embedded ID3v2 (`id3 ` chunk). */
function wavTags(f: FileBytes, head: Buffer): FileTags {
  const tags: FileTags = {};
  let id3: FileTags = {};
  for (let o = 12; o + 8 <= f.size; ) {
    const h = o + 8 <= head.length ? head.subarray(o, o + 8) : f.read(o, 8);
    if (h.length < 8) break;
    const id = h.toString('latin1', 0, 4);
    const size = h.readUInt32LE(4);
    if (id === 'LIST' && size >= 4 && size <= MAX_TAG_BYTES) {
      const list = f.read(o + 8, size);
      if (list.toString('latin1', 0, 4) === 'INFO') {
        for (let p = 4; p + 8 <= list.length; ) {
          const sub = list.toString('latin1', p, p + 4);
          const len = list.readUInt32LE(p + 4);
          const value = list.toString('utf8', p + 8, Math.min(list.length, p + 8 + len));
          const nul = value.indexOf('\0');
          setOnce(tags, FIELD[sub], nul >= 0 ? value.slice(0, nul) : value);
          p += 8 + len + (len & 1);
        }
      }
    } else if ((id === 'id3 ' || id === 'ID3 ') && size <= MAX_TAG_BYTES) {
      id3 = parseId3v2(f.read(o + 8, size));
    }
    if (size === 0xffffffff) break; // RF64's data chunk: its size is in ds64, and no tags follow in practice
    o += 8 + size + (size & 1);
  }
  return { ...id3, ...tags };
}

/** FLAC: metadata blocks after "fLaC" (at `start`); the VORBIS_COMMENT block. */
function flacTags(f: FileBytes, start: number): FileTags {
  for (let o = start + 4; o + 4 <= f.size; ) {
    const h = f.read(o, 4);
    const last = h[0] & 0x80;
    const type = h[0] & 0x7f;
    const len = h.readUIntBE(1, 3);
    if (type === 4) return len <= MAX_TAG_BYTES ? parseVorbisComments(f.read(o + 4, len)) : {};
    if (last) break;
    o += 4 + len;
  }
  return {};
}

/** Ogg: the first logical stream's second packet (Vorbis "\x03vorbis…" or "OpusTags…"), reassembled across pages. */
function oggTags(f: FileBytes): FileTags {
  const packets: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  let serial: number | null = null;
  for (let o = 0; o + 27 <= f.size && packets.length < 2 && size <= MAX_TAG_BYTES; ) {
    const h = f.read(o, 27);
    if (h.toString('latin1', 0, 4) !== 'OggS') break;
    const segments = h[26];
    const table = f.read(o + 27, segments);
    const bodyLen = table.reduce((a, b) => a + b, 0);
    const body = f.read(o + 27 + segments, bodyLen);
    const pageSerial = h.readUInt32LE(14);
    serial ??= pageSerial;
    o += 27 + segments + bodyLen;
    if (pageSerial !== serial) continue;
    let p = 0;
    for (const lace of table) {
      current.push(body.subarray(p, p + lace));
      size += lace;
      p += lace;
      if (lace < 255) {
        packets.push(Buffer.concat(current));
        current = [];
        if (packets.length === 2) break;
      }
    }
  }
  const tagsPacket = packets[1];
  if (!tagsPacket) return {};
  if (tagsPacket.toString('latin1', 0, 7) === '\x03vorbis') return parseVorbisComments(tagsPacket.subarray(7));
  if (tagsPacket.toString('latin1', 0, 8) === 'OpusTags') return parseVorbisComments(tagsPacket.subarray(8));
  return {};
}

/**
 * The file's artist and title tags (absent ones undefined); null when the container is not one read
 * here (ask ffprobe). Throws the file system's error when the file cannot be opened.
 */
export function readFileTags(file: string): FileTags | null {
  const fd = fs.openSync(file, 'r');
  try {
    const f = new FileBytes(fd);
    const head = f.read(0, 64 * 1024);
    const kind = sniffContainer(head);
    if (kind === 'wav') return wavTags(f, head);
    if (kind === 'ogg') return oggTags(f);
    if (kind === 'flac') return flacTags(f, 0);
    if (kind === 'mp3') {
      const n = id3v2Length(head);
      // An ID3v2 tag in front of FLAC audio (some taggers write one): which of the two ffprobe reports is its business.
      if (n > 0 && f.read(n, 4).toString('latin1') === 'fLaC') return null;
      return mp3Tags(f, head);
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
