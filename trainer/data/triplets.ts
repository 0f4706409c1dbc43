/**
 * Streams play-count triplets from a file, a Readable or any async iterable of byte chunks into the
 * byte parser (triplet-parser.ts): gzip is recognised by its magic bytes (1f 8b), not the file name,
 * and inflated on the fly; the SHA-256 of the input as given (the compressed bytes for .gz, i.e. what
 * `sha256sum FILE` prints) is computed in the same pass, so a trained model can name its exact data.
 * Memory stays at the parser's arrays plus one chunk: no line becomes a JS string.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { EarshotError } from '../../src/errors';
import { TripletParser, type ParsedTriplets, type TripletParserOptions } from './triplet-parser';

export { HETREC_HEADER, type Coo, type ParsedTriplets, type TripletFormat } from './triplet-parser';

/** Read size for files, bytes: large enough that per-chunk overhead (hash, indexOf) is negligible. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;
/** Bytes per line assumed when pre-sizing arrays from a plain file's size (Taste Profile: ~62). */
const PRESIZE_BYTES_PER_LINE = 56;

export interface ReadTripletsOptions extends TripletParserOptions {
  /** fs read size for a path source, bytes. Default 1 MiB. */
  chunkBytes?: number;
}

export interface ReadTriplets extends ParsedTriplets {
  /** Bytes of the input as given (compressed size for gzip). */
  bytes: number;
  gzip: boolean;
  /** Hex SHA-256 of the input as given. */
  sha256: string;
}

export type TripletSource = string | Readable | AsyncIterable<Uint8Array>;

/**
 * Parses play counts from `source`: a file path (plain or gzip), or a stream of bytes (plain or gzip).
 * Errors: ERR_IO (cannot read the file), ERR_TRIPLETS_FORMAT (a bad line, with name:line; or corrupt
 * gzip), ERR_TRIPLETS_EMPTY, ERR_TRIPLETS_TOO_LARGE.
 */
export async function readTriplets(source: TripletSource, o: ReadTripletsOptions = {}): Promise<ReadTriplets> {
  const isPath = typeof source === 'string';
  const name = o.name ?? (isPath ? source : '<stream>');
  const parser = new TripletParser({ ...o, name }); // checks the options before anything is opened
  const chunkBytes = o.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `chunkBytes must be a positive integer, got ${o.chunkBytes}`);
  }
  let chunks: AsyncIterable<Uint8Array>;
  let sizeGuessRows = 0;
  if (isPath) {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(source);
    } catch (err) {
      throw ioError(source, err);
    }
    if (!st.isFile()) throw new EarshotError('ERR_IO', `cannot read ${source}: not a regular file`);
    sizeGuessRows = st.size / PRESIZE_BYTES_PER_LINE;
    chunks = fs.createReadStream(source, { highWaterMark: chunkBytes });
  } else {
    chunks = source;
  }

  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const raw = (async function* () {
    for await (const c of chunks) {
      const b = typeof c === 'string' ? Buffer.from(c) : c; // a Readable in string mode: take its bytes
      hash.update(b);
      bytes += b.length;
      yield b;
    }
  })();

  // Peek at two bytes (a stream may deliver them one at a time) to tell gzip from text.
  const head: Uint8Array[] = [];
  let headBytes = 0;
  try {
    while (headBytes < 2) {
      const r = await raw.next();
      if (r.done) break;
      head.push(r.value);
      headBytes += r.value.length;
    }
  } catch (err) {
    throw isPath ? ioError(source, err) : err;
  }
  const first = Buffer.concat(head, Math.min(headBytes, 2));
  const gzip = first.length === 2 && first[0] === 0x1f && first[1] === 0x8b;
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      yield* head;
      yield* raw;
    } finally {
      await raw.return(undefined); // closes the file when parsing stops early on an error
    }
  }

  // Gzip of text is 3-10x smaller than the text, so a guess from its size would be far off: let the
  // arrays grow instead. A caller's expectedRows was applied by the constructor.
  if (!gzip && o.expectedRows === undefined) parser.reserve(sizeGuessRows);
  try {
    if (gzip) {
      const gunzip = zlib.createGunzip({ chunkSize: DEFAULT_CHUNK_BYTES });
      pipeline(Readable.from(replay(), { objectMode: false }), gunzip, () => {}); // errors surface in the loop
      for await (const c of gunzip) parser.push(c as Buffer);
    } else {
      for await (const c of replay()) parser.push(c);
    }
  } catch (err) {
    if (err instanceof EarshotError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new EarshotError('ERR_TRIPLETS_FORMAT', `${name}: not a valid gzip stream (${(err as Error).message})`, { cause: err });
    }
    throw isPath ? ioError(source, err) : err;
  }
  const parsed = parser.end();
  return { ...parsed, bytes, gzip, sha256: hash.digest('hex') };
}

function ioError(path: string, err: unknown): EarshotError {
  const e = err as NodeJS.ErrnoException;
  return new EarshotError('ERR_IO', `cannot read ${path}: ${e.message ?? String(err)}`, { cause: err });
}
