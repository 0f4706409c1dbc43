/**
 * Container sniffing from the first bytes of a file. We decide "WAV in-process or ffmpeg" by
 * magic number, never by file extension, and when bytes are not a WAV we say what they look
 * like so the error message is actionable.
 */

/** Bytes needed to recognise every container below (RIFF header is 12 bytes). */
export const SNIFF_BYTES = 12;

export type ContainerKind = 'wav' | 'ogg' | 'mp3' | 'flac' | 'mp4' | 'aiff' | 'unknown';

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < Math.min(end, bytes.length); i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** True when `bytes` starts a RIFF/RF64/BW64 file whose form type is WAVE. */
export function isWavMagic(bytes: Uint8Array): boolean {
  const id = ascii(bytes, 0, 4);
  return (id === 'RIFF' || id === 'RF64' || id === 'BW64') && ascii(bytes, 8, 12) === 'WAVE';
}

export function sniffContainer(bytes: Uint8Array): ContainerKind {
  if (isWavMagic(bytes)) return 'wav';
  const head4 = ascii(bytes, 0, 4);
  if (head4 === 'OggS') return 'ogg';
  if (head4 === 'fLaC') return 'flac';
  if (head4 === 'FORM' && (ascii(bytes, 8, 12) === 'AIFF' || ascii(bytes, 8, 12) === 'AIFC')) return 'aiff';
  if (ascii(bytes, 4, 8) === 'ftyp') return 'mp4';
  if (ascii(bytes, 0, 3) === 'ID3') return 'mp3';
  // MPEG audio frame sync: 11 set bits (0xFFE), layer bits != 00.
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0 && (bytes[1] & 0x06) !== 0) {
    return 'mp3';
  }
  return 'unknown';
}

/**
 * Human description of the first bytes, e.g. `4f 67 67 53 ... ("OggS....") — looks like ogg`.
 * Printable ASCII is shown as-is, everything else as '.'.
 */
export function describeFirstBytes(bytes: Uint8Array, count = SNIFF_BYTES): string {
  const head = bytes.subarray(0, Math.min(count, bytes.length));
  if (head.length === 0) return 'no bytes at all';
  const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(head, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  const kind = sniffContainer(bytes);
  const guess = kind === 'unknown' ? '' : ` — looks like ${kind}`;
  return `${hex} ("${text}")${guess}`;
}
