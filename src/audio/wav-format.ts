/**
 * The WAVE `fmt ` chunk: parse and validate it once, so the sample decoder only ever sees one of
 * six clean encodings. Layout (all little-endian), from the Microsoft WAVEFORMATEX docs:
 *   0 u16 formatTag   2 u16 channels   4 u32 sampleRateHz   8 u32 byteRate
 *  12 u16 blockAlign 14 u16 bitsPerSample   16 u16 cbSize (optional)
 * WAVE_FORMAT_EXTENSIBLE (0xFFFE) adds, after cbSize >= 22:
 *  18 u16 validBits  20 u32 channelMask  24 GUID subFormat (first 2 bytes = the real format tag)
 */
import { EarshotError } from '../errors';

/** Highest sample rate we accept, Hz: 768 kHz is the top rate of current audio interfaces. */
export const MAX_SAMPLE_RATE_HZ = 768_000;
/** Highest channel count we accept: beyond 256 a "WAV" is almost surely corrupt. */
export const MAX_CHANNELS = 256;

export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Sample encodings the decoder knows: unsigned 8-bit, signed 16/24/32-bit, float 32/64. */
export type SampleEncoding = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

export interface WavFormat {
  /** 'RIFF' for classic WAV (<4 GiB), 'RF64' for RF64/BW64 (64-bit sizes in a ds64 chunk). */
  container: 'RIFF' | 'RF64';
  sampleRateHz: number;
  channels: number;
  encoding: SampleEncoding;
  /** Bits as stored in the container (8/16/24/32/64); validBits may be fewer (left-justified). */
  bitsPerSample: number;
  /** Bytes of one interleaved frame = channels * bytes per sample. */
  blockAlign: number;
  /** Declared data chunk length in bytes, or null when it runs to end of stream (pipe output). */
  dataBytes: number | null;
}

/** The fields of a fmt chunk; `container` and `dataBytes` come from other chunks. */
export type FmtFields = Omit<WavFormat, 'container' | 'dataBytes'>;

/** Names for common non-PCM tags, so "unsupported format 0x55" reads "MPEG Layer III". */
const TAG_NAMES: Record<number, string> = {
  0x0002: 'MS ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MPEG Layer III',
  0x2000: 'AC-3',
};

/** KSDATAFORMAT_SUBTYPE_* GUIDs share the tail 00000000-0010-0080-00AA00389B71 after the tag. */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function tagLabel(tag: number): string {
  const hex = `0x${tag.toString(16).padStart(4, '0')}`;
  return TAG_NAMES[tag] ? `${hex} (${TAG_NAMES[tag]})` : hex;
}

function fail(message: string): never {
  throw new EarshotError('ERR_AUDIO_FORMAT', message);
}

/** Parse and validate a fmt chunk body (`body.length` = the chunk's declared size). */
export function parseFmtChunk(body: Uint8Array): FmtFields {
  if (body.length < 16) fail(`WAV fmt chunk is ${body.length} bytes; at least 16 are required`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let tag = view.getUint16(0, true);
  const channels = view.getUint16(2, true);
  const sampleRateHz = view.getUint32(4, true);
  const blockAlign = view.getUint16(12, true);
  const bitsPerSample = view.getUint16(14, true);

  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    const cbSize = body.length >= 18 ? view.getUint16(16, true) : 0;
    if (body.length < 40 || cbSize < 22) {
      fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk is too short (${body.length} bytes, cbSize ${cbSize}); need 40 and 22`);
    }
    const guidTailOk = GUID_TAIL.every((b, i) => body[26 + i] === b);
    tag = view.getUint16(24, true);
    if (!guidTailOk) fail('WAVE_FORMAT_EXTENSIBLE sub-format GUID is not a standard KSDATAFORMAT_SUBTYPE');
  }

  if (channels < 1 || channels > MAX_CHANNELS) {
    fail(`WAV declares ${channels} channels; supported range is 1..${MAX_CHANNELS}`);
  }
  if (sampleRateHz < 1 || sampleRateHz > MAX_SAMPLE_RATE_HZ) {
    fail(`WAV declares a sample rate of ${sampleRateHz} Hz; supported range is 1..${MAX_SAMPLE_RATE_HZ} Hz`);
  }

  // Bits that are not a multiple of 8 (e.g. 20) live left-justified in whole bytes, so the
  // container width decides the scale factor.
  const bytesPerSample = Math.ceil(bitsPerSample / 8);
  let encoding: SampleEncoding;
  if (tag === WAVE_FORMAT_PCM) {
    const byWidth: Record<number, SampleEncoding> = { 1: 'u8', 2: 's16', 3: 's24', 4: 's32' };
    const e = byWidth[bytesPerSample];
    if (e === undefined) fail(`PCM WAV with ${bitsPerSample} bits per sample is not supported (8/16/24/32)`);
    encoding = e;
  } else if (tag === WAVE_FORMAT_IEEE_FLOAT) {
    if (bitsPerSample !== 32 && bitsPerSample !== 64) {
      fail(`float WAV with ${bitsPerSample} bits per sample is not supported (32/64)`);
    }
    encoding = bitsPerSample === 32 ? 'f32' : 'f64';
  } else {
    fail(`WAV sample format ${tagLabel(tag)} is not supported in-process; decode it through ffmpeg`);
  }

  if (blockAlign !== channels * bytesPerSample) {
    fail(
      `WAV block align is ${blockAlign} bytes but ${channels} channels x ${bytesPerSample} bytes ` +
        `= ${channels * bytesPerSample}`,
    );
  }
  return { sampleRateHz, channels, encoding, bitsPerSample: bytesPerSample * 8, blockAlign };
}
