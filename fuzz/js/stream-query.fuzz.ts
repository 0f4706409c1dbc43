/**
 * Fuzz target `stream-query`: parseStreamQuery (src/protocol/query.ts), the query string of a stream's
 * upgrade URL. Asserts: only ProtocolError bad_request (close 4400) or unsupported_audio (close 4415);
 * accepted parameters are in their documented ranges; and serialising the parsed parameters back into
 * a query string and parsing that gives the same parameters.
 */
import { CLOSE, MEAN_MODES, parseStreamQuery, PCM_ENCODINGS, SEGMENT_MODES, STREAM_QUERY, type NumberParam, type StreamParams } from '../../src/protocol';
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
    playable: p.playable ? '1' : '0',
  });
  if (p.track !== null) q.set('track', p.track);
  q.set('mean', p.mean);
  // A track mean has no length: its mean_s (the default) is not sent back.
  if (p.mean !== 'track') q.set('mean_s', String(p.meanS));
  q.set('segment', p.segment);
  if (p.token !== null) q.set('token', p.token);
  return q;
}

export function fuzz(data: Buffer): void {
  const p = parse(new URLSearchParams(data.toString('utf8')));
  if (p === null) return;
  const within = (v: number, { min, max, integer }: NumberParam) => Number.isFinite(v) && (!integer || Number.isInteger(v)) && v >= min && v <= max;
  const q = STREAM_QUERY;
  check(PCM_ENCODINGS.includes(p.encoding), 'unknown encoding accepted');
  check(within(p.sampleRateHz, q.sample_rate) && within(p.channels, q.channels), 'audio parameters out of range accepted');
  check(within(p.hopS, q.hop) && within(p.k, q.k) && within(p.tags, q.tags), 'hop/k/tags out of range accepted');
  check(p.overflow === 'drop' || p.overflow === 'block', 'overflow not drop/block');
  check(typeof p.playable === 'boolean', 'playable not a boolean');
  check(p.track === null || (p.track.length > 0 && p.track.length <= 2048), 'track empty or longer than 2048 accepted');
  check(MEAN_MODES.includes(p.mean) && within(p.meanS, q.mean_s) && SEGMENT_MODES.includes(p.segment), 'mean/mean_s/segment out of range accepted');
  expectSame(parse(serialise(p)), withoutNegativeZero(p), 'parse(serialise(params)) differs from params');
}
