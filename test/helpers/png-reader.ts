/**
 * An independent PNG reader for tests, written from the spec (W3C PNG 2nd ed.) and sharing no code
 * with src/io/png.ts: bit-at-a-time CRC-32 (no table), zlib.inflateSync for the data, and the five
 * filters undone as §9.2 defines them. Reads only what earshot writes (8-bit truecolour, no
 * interlace) and throws on anything else, naming what was wrong.
 */
import * as zlib from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  rgb: Uint8Array;
  /** Chunk types in file order. */
  chunks: string[];
  /** The filter type byte of each scanline. */
  filters: number[];
}

/** CRC-32 one bit at a time, straight from the definition (reflected, polynomial 0xEDB88320). */
export function bitwiseCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export function readPng(file: Uint8Array): DecodedPng {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  SIGNATURE.forEach((b, i) => {
    if (buf[i] !== b) throw new Error(`PNG signature byte ${i} is ${buf[i]}, expected ${b}`);
  });
  let off = 8;
  let width = 0, height = 0;
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new Error(`chunk header at ${off} runs past the end`);
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (off + 12 + len > buf.length) throw new Error(`${type} chunk of ${len} bytes runs past the end`);
    const crc = buf.readUInt32BE(off + 8 + len);
    const want = bitwiseCrc32(buf.subarray(off + 4, off + 8 + len));
    if (crc !== want) throw new Error(`${type} CRC ${crc.toString(16)} != ${want.toString(16)}`);
    const data = buf.subarray(off + 8, off + 8 + len);
    chunks.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, compression, filter, interlace] = data.subarray(8, 13);
      if (depth !== 8 || colour !== 2 || compression !== 0 || filter !== 0 || interlace !== 0) {
        throw new Error(`IHDR depth ${depth} colour ${colour} compression ${compression} filter ${filter} interlace ${interlace}: not 8-bit RGB`);
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    off += 12 + len;
    if (type === 'IEND') break;
  }
  if (off !== buf.length) throw new Error(`${buf.length - off} bytes after IEND`);
  if (chunks[0] !== 'IHDR' || chunks[chunks.length - 1] !== 'IEND') throw new Error(`chunk order ${chunks.join(',')}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * 3;
  if (raw.length !== (stride + 1) * height) throw new Error(`inflated ${raw.length} bytes, expected ${(stride + 1) * height}`);
  const rgb = new Uint8Array(stride * height);
  const filters: number[] = [];
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)];
    filters.push(type);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= 3 ? rgb[y * stride + i - 3] : 0;
      const b = y > 0 ? rgb[(y - 1) * stride + i] : 0;
      const c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3] : 0;
      let pred: number;
      if (type === 0) pred = 0;
      else if (type === 1) pred = a;
      else if (type === 2) pred = b;
      else if (type === 3) pred = Math.floor((a + b) / 2);
      else if (type === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`row ${y}: filter type ${type}`);
      rgb[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, rgb, chunks, filters };
}
