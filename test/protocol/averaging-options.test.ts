// The stream options mean, mean_s and segment in the one parameter table: read from a stream URL
// (defaults, every accepted value, refusals that name the parameter and close with 4400), from
// `configure` messages (the same bounds; refusals that name the field and keep the stream), and refused
// by name on uploads, whose answer is the whole file's mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE } from '../../src/protocol/close-codes';
import { ProtocolError } from '../../src/protocol/errors';
import { parseClientMessage } from '../../src/protocol/messages';
import { parseStreamQuery, parseUploadQuery, STREAM_QUERY } from '../../src/protocol/query';

const url = (extra: string) => parseStreamQuery(new URLSearchParams(`sample_rate=44100${extra}`));

function refused(fn: () => unknown, message: RegExp, closes: boolean): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal(err.code, 'bad_request');
    assert.match(err.message, message);
    assert.equal(err.closeCode, closes ? CLOSE.badRequest : undefined);
    return true;
  });
}

test('defaults: the track mean, 20 s, no song-change detection', () => {
  const p = url('');
  assert.deepEqual([p.mean, p.meanS, p.segment], ['track', 20, 'off']);
  assert.deepEqual([STREAM_QUERY.mean.default, STREAM_QUERY.mean_s.default, STREAM_QUERY.segment.default], ['track', 20, 'off']);
  const e = url('&mean=&segment=');
  assert.deepEqual([e.mean, e.segment], ['track', 'off'], 'empty values are the defaults');
});

test('every documented value is read from the URL', () => {
  for (const mean of ['track', 'sliding', 'decay'] as const) assert.equal(url(`&mean=${mean}`).mean, mean);
  assert.deepEqual([url('&mean=sliding&mean_s=1').meanS, url('&mean=decay&mean_s=300').meanS, url('&mean=decay&mean_s=7.5').meanS], [1, 300, 7.5]);
  assert.equal(url('&segment=auto').segment, 'auto');
  assert.equal(url('&segment=off').segment, 'off');
});

test('bad URL values are refused naming the parameter (close 4400)', () => {
  refused(() => url('&mean=median'), /query parameter mean="median" must be one of track, sliding, decay/, true);
  refused(() => url('&segment=yes'), /query parameter segment="yes" must be one of off, auto/, true);
  refused(() => url('&mean=sliding&mean_s=0.5'), /mean_s=.*0\.5.* must be a number in 1\.\.300/, true);
  refused(() => url('&mean=decay&mean_s=301'), /mean_s=.*301.* must be a number in 1\.\.300/, true);
  refused(() => url('&mean=decay&mean_s=abc'), /mean_s=.*abc/, true);
  refused(() => url('&mean_s=10'), /mean_s is the length of a sliding or decay mean; it needs mean=sliding or mean=decay/, true);
  refused(() => url('&mean=track&mean_s=10'), /needs mean=sliding or mean=decay/, true);
});

test('configure carries mean, mean_s and segment with the same bounds', () => {
  assert.deepEqual(parseClientMessage('{"type":"configure","mean":"decay","mean_s":12,"segment":"auto"}'), {
    type: 'configure', hop: undefined, k: undefined, tags: undefined, factors: undefined, playable: undefined, mean: 'decay', mean_s: 12, segment: 'auto', history: undefined,
  });
  const m = parseClientMessage('{"type":"configure","mean_s":3}');
  assert.equal(m.type === 'configure' && m.mean_s, 3, 'mean_s alone: the stream checks it against its mean');
});

test('bad configure fields are refused naming the field, without closing the stream', () => {
  refused(() => parseClientMessage('{"type":"configure","mean":"avg"}'), /configure\.mean must be one of "track", "sliding", "decay", got "avg"/, false);
  refused(() => parseClientMessage('{"type":"configure","mean":1}'), /configure\.mean must be one of/, false);
  refused(() => parseClientMessage('{"type":"configure","segment":true}'), /configure\.segment must be one of "off", "auto", got true/, false);
  refused(() => parseClientMessage('{"type":"configure","mean":"sliding","mean_s":0}'), /configure\.mean_s must be a number in 1\.\.300, got 0/, false);
  refused(() => parseClientMessage('{"type":"configure","mean_s":"5"}'), /configure\.mean_s must be a number in 1\.\.300, got "5"/, false);
  refused(() => parseClientMessage('{"type":"configure","mean":"track","mean_s":5}'), /configure\.mean_s is the length of a sliding or decay mean/, false);
});

test('uploads refuse mean, mean_s and segment by name instead of ignoring them', () => {
  for (const q of ['segment=auto', 'mean=sliding', 'mean_s=5', 'k=3&segment=off']) {
    const name = q.split('&').at(-1)!.split('=')[0];
    refused(() => parseUploadQuery(new URLSearchParams(q)), new RegExp(`^${name} applies to streams \\(/v1/stream\\); an upload's answer is the mean of all the file's windows$`), false);
  }
  assert.deepEqual(parseUploadQuery(new URLSearchParams('k=3&tags=2&hop=1.5')), { k: 3, tags: 2, hopS: 1.5 });
});
