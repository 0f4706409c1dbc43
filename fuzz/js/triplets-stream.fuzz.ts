/**
 * Fuzz target `triplets-stream`: readTriplets (trainer/data/triplets.ts), the play-count reader of files and
 * streams, over a stream of random pieces: gzip recognised by its magic bytes and inflated on the fly, the
 * input hashed in the same pass. Selector byte as in triplets.fuzz.ts. Asserts: only EarshotError
 * ERR_TRIPLETS_FORMAT / ERR_TRIPLETS_EMPTY (a corrupt gzip stream is ERR_TRIPLETS_FORMAT); the result equals
 * the reference parser's on the plain (or gunzipped) bytes; bytes, gzip flag and SHA-256 describe the input
 * as given. Asynchronous (jazzer.js runs it without --sync, so it is slower than the others).
 */
import * as crypto from 'node:crypto';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { readTriplets } from '../../trainer/data/triplets';
import { check, expectSame, pieces, rng } from './harness';
import { failed, referenceParse, settings, summarise } from './triplets.fuzz';

export async function fuzz(data: Buffer): Promise<void> {
  if (data.length === 0) return;
  const { format, maxLine } = settings(data[0]);
  const body = data.subarray(1);
  const gz = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
  let plain: Uint8Array | null = body;
  if (gz) {
    try {
      plain = zlib.gunzipSync(body);
    } catch {
      plain = null;
    }
  }
  const chunks = pieces(body, rng(data), 64).map((c) => Buffer.from(c));
  let got;
  try {
    const r = await readTriplets(Readable.from(chunks), { format, maxLineBytes: maxLine });
    check(r.gzip === gz && r.bytes === body.length, `gzip ${r.gzip} / bytes ${r.bytes} do not describe the input`);
    check(r.sha256 === crypto.createHash('sha256').update(body).digest('hex'), 'sha256 is not the hash of the input as given');
    got = summarise(r);
  } catch (err) {
    got = failed(err);
  }
  if (plain === null) check('code' in got && got.code === 'ERR_TRIPLETS_FORMAT', 'readTriplets accepted a corrupt gzip stream');
  else expectSame(got, referenceParse(plain, format, maxLine), `readTriplets vs the reference parser (${gz ? 'gzip' : 'plain'})`);
}
