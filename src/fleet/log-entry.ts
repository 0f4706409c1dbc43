/**
 * A fleet log entry as it lies in the Redis Stream: flat field/value pairs. Catalogue changes are the
 * one type every engine applies (src/catalog/catalog-change.ts); the factors travel as their raw
 * float32 bytes, little-endian (F x 4 bytes: exact, and 4.5x smaller than JSON numbers). A bundle
 * rollout is an entry of the same log, so every replica swaps models at the same point between changes.
 */
import * as os from 'node:os';
import type { CatalogChange } from '../catalog/catalog-change';
import { EarshotError } from '../errors';

export type LogRecord =
  | { kind: 'change'; change: CatalogChange; /** The model identity the factors (of an add) belong to. */ space: string }
  /** A model rollout: load bundle `revision`; `reset`: its model has another factor space, so the catalogue restarts from the bundle's own songs. */
  | { kind: 'bundle'; revision: string; space: string; reset: boolean };

export interface LogEntry {
  /** The Stream entry id (`<ms>-<n>`, Redis time of the XADD). */
  streamId: string;
  /** 1, 2, 3, … with no gap: a replica that sees a gap missed trimmed entries and reloads the snapshot. */
  seq: number;
  record: LogRecord;
}

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/**
 * Float32 values as bytes, little-endian whatever the host (the log's and the snapshot's factors). On a
 * little-endian host one copy of the array's bytes (a 10M-song snapshot is 640M floats: one call each
 * was most of a large join's time); elsewhere value by value.
 */
export function encodeFactors(f: Float32Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
  const b = Buffer.alloc(f.length * 4);
  for (let i = 0; i < f.length; i++) b.writeFloatLE(f[i], i * 4);
  return b;
}

/** The inverse of encodeFactors, written into `into` at `offset` (floats) when given. */
export function decodeFactors(b: Buffer, into = new Float32Array(b.length / 4), offset = 0): Float32Array {
  const n = b.length / 4;
  if (LITTLE_ENDIAN_HOST) new Uint8Array(into.buffer, into.byteOffset + offset * 4, b.length).set(b);
  else for (let i = 0; i < n; i++) into[offset + i] = b.readFloatLE(i * 4);
  return into;
}

/** Field/value pairs after `seq` for XADD (the Lua script adds seq). */
export function changeFields(change: CatalogChange, space: string): (string | Buffer)[] {
  switch (change.op) {
    case 'add': {
      return ['op', 'add', 'song', change.item.id, 'item', JSON.stringify({ artist: change.item.artist, title: change.item.title, uri: change.item.uri }), 'factors', encodeFactors(change.factors), 'space', space];
    }
    case 'remove':
      return ['op', 'remove', 'song', change.id];
    case 'meta':
      return ['op', 'meta', 'song', change.id, 'patch', JSON.stringify(change.patch)];
  }
}

function bad(streamId: string, why: string): EarshotError {
  return new EarshotError('ERR_INVALID_ARGUMENT', `fleet log entry ${streamId}: ${why}`);
}

/** Decodes one Stream entry's fields (as Buffers); a malformed entry is an error naming it. */
export function decodeEntry(streamId: string, fields: Buffer[]): LogEntry {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i].toString('utf8'), fields[i + 1]);
  const text = (name: string): string => {
    const v = map.get(name);
    if (v === undefined) throw bad(streamId, `has no ${name} field`);
    return v.toString('utf8');
  };
  const json = (name: string): Record<string, unknown> => {
    try {
      const v: unknown = JSON.parse(text(name));
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw bad(streamId, `${name} is not a JSON object`);
  };
  const seq = Number(text('seq'));
  if (!Number.isSafeInteger(seq) || seq < 1) throw bad(streamId, `seq must be a positive integer, got ${text('seq')}`);
  const op = text('op');
  const record = ((): LogRecord => {
    switch (op) {
      case 'add': {
        const bytes = map.get('factors');
        if (!bytes || bytes.length === 0 || bytes.length % 4 !== 0) throw bad(streamId, 'factors must be a non-empty run of float32 values');
        const factors = decodeFactors(bytes);
        const item = json('item') as { artist?: unknown; title?: unknown; uri?: unknown };
        if (typeof item.artist !== 'string' || typeof item.title !== 'string' || (item.uri !== undefined && typeof item.uri !== 'string')) throw bad(streamId, 'item must hold artist and title strings (and a uri string)');
        const song = { id: text('song'), artist: item.artist, title: item.title, ...(item.uri !== undefined && { uri: item.uri as string }) };
        return { kind: 'change', change: { op: 'add', item: song, factors }, space: text('space') };
      }
      case 'remove':
        return { kind: 'change', change: { op: 'remove', id: text('song') }, space: '' };
      case 'meta':
        return { kind: 'change', change: { op: 'meta', id: text('song'), patch: json('patch') }, space: '' };
      case 'bundle':
        return { kind: 'bundle', revision: text('revision'), space: text('space'), reset: text('reset') === '1' };
      default:
        throw bad(streamId, `unknown op ${JSON.stringify(op.slice(0, 20))}`);
    }
  })();
  return { streamId, seq, record };
}
