/**
 * Fuzz target `stream-query`: parseStreamQuery (src/protocol/index.ts), the query string of a stream's
 * upgrade URL. Asserts: only ProtocolError bad_request (close 4400) or unsupported_audio (close 4415);
 * accepted parameters are in their documented ranges; and serialising the parsed parameters back into
 * a query string and parsing that gives the same parameters.
 */
import {
  CLOSE,
  MAX_CHANNELS,
  MAX_HOP_S,
  MAX_K,
  MAX_SAMPLE_RATE_HZ,
  MIN_HOP_S,
  MIN_SAMPLE_RATE_HZ,
  parseStreamQuery,
  PCM_ENCODINGS,
  type StreamParams,
} from '../../src/protocol';
import { check, expectProtocolError, expectSame, withoutNegativeZero } from './harness';

function parse(q: URLSearchParams): StreamParams | null {
  try {
    return parseStreamQuery(q);
  } catch (err) {
    const e = expectProtocolError(err, ['bad_request', 'unsupported_audio']);
    const want = e.code === 'bad_request' ? CLOSE.badRequest : CLOSE.unsupportedAudio;
    check(e.closeCode === want, `${e.code} with close code ${e.closeCode}, expected ${want}`);
    return null;
  }
}

function serialise(p: StreamParams): URLSearchParams {
  const q = new URLSearchParams({
    encoding: p.encoding,
    sample_rate: String(p.sampleRateHz),
    channels: String(p.channels),
    hop: String(p.hopS),
    k: String(p.k),
    factors: p.factors ? '1' : '0',
    tags: String(p.tags),
    overflow: p.overflow,
  });
  if (p.token !== null) q.set('token', p.token);
  return q;
}

export function fuzz(data: Buffer): void {
  const p = parse(new URLSearchParams(data.toString('utf8')));
  if (p === null) return;
  const int = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
  check(PCM_ENCODINGS.includes(p.encoding), 'unknown encoding accepted');
  check(int(p.sampleRateHz, MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ) && int(p.channels, 1, MAX_CHANNELS), 'audio parameters out of range accepted');
  check(Number.isFinite(p.hopS) && p.hopS >= MIN_HOP_S && p.hopS <= MAX_HOP_S && int(p.k, 1, MAX_K) && int(p.tags, 0, 1000), 'hop/k/tags out of range accepted');
  check(p.overflow === 'drop' || p.overflow === 'block', 'overflow not drop/block');
  expectSame(parse(serialise(p)), withoutNegativeZero(p), 'parse(serialise(params)) differs from params');
}
