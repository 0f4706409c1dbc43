/**
 * Maps id strings to dense indices 0, 1, 2, ... in order of first appearance, keyed by the id's raw
 * bytes so the parser never makes a JS string per line. The Taste Profile has 1,019,318 user ids of
 * 40 bytes and 384,546 song ids of 18 bytes: as JS strings in a Map that is ~100+ MB of heap objects and
 * a string allocation per line; here it is one byte arena (each distinct id stored once) plus three
 * Int32Arrays, and a lookup allocates nothing.
 *
 * Open addressing with linear probing over a power-of-two slot array kept at most half full; each slot
 * stores the id's 32-bit FNV-1a hash, so probes compare hashes before bytes and growth never re-reads
 * the arena.
 */
import { EarshotError } from '../../src/errors';

/** FNV-1a 32-bit offset basis and prime (Fowler/Noll/Vo). */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** FNV-1a of bytes[start, end): what callers that hash while scanning must reproduce. */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  return h;
}

/** Arena offsets are Int32: 2 GiB of distinct id bytes, ~50x the Taste Profile's 48 MB. */
const MAX_ARENA_BYTES = 0x7fffffff;

/** Int32s per slot: hash, id index + 1 (0 = empty), arena offset, byte length. */
const SLOT = 4;

export class IdTable {
  private arena: Uint8Array;
  private arenaUsed = 0;
  /** offsets[k] .. offsets[k + 1] are id k's bytes in the arena; length count + 1. */
  private offsets: Int32Array;
  /**
   * SLOT Int32s per slot, interleaved so that one probe touches one cache line and then the id's bytes:
   * at 384,546 songs looked up in random order, separate hash/offset arrays cost two extra cache misses
   * per line (measured ~1.5 s per 8M lines).
   */
  private slots: Int32Array;
  private mask: number;
  private n = 0;

  /** `expectedIds` only sizes the first allocation; the table grows past it. */
  constructor(expectedIds = 1024) {
    const ids = Math.max(16, Math.ceil(expectedIds));
    this.arena = new Uint8Array(ids * 16);
    this.offsets = new Int32Array(ids + 1);
    let cap = 32;
    while (cap < ids * 2) cap *= 2;
    this.slots = new Int32Array(cap * SLOT);
    this.mask = cap - 1;
  }

  /** Number of distinct ids interned so far. */
  get size(): number {
    return this.n;
  }

  /**
   * The index of the id bytes[start, end), adding it if new. `hash` must be fnv1a(bytes, start, end);
   * the parser computes it in the same loop that finds the field's end.
   */
  intern(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const len = end - start;
    const arena = this.arena;
    const slots = this.slots;
    let slot = hash & this.mask;
    for (;;) {
      const at = slot * SLOT;
      const k1 = slots[at + 1];
      if (k1 === 0) break;
      if (slots[at] === hash && slots[at + 3] === len) {
        const o = slots[at + 2];
        let j = 0;
        while (j < len && arena[o + j] === bytes[start + j]) j++;
        if (j === len) return k1 - 1;
      }
      slot = (slot + 1) & this.mask;
    }
    return this.insert(bytes, start, end, hash, slot);
  }

  /** Convenience for small data and tests: interns a string's UTF-8 bytes. */
  internString(id: string): number {
    const b = Buffer.from(id, 'utf8');
    return this.intern(b, 0, b.length, fnv1a(b, 0, b.length));
  }

  /** The ids in index order, one string each (materialised once, at the end of a load). */
  ids(): string[] {
    const out = new Array<string>(this.n);
    const buf = Buffer.from(this.arena.buffer, this.arena.byteOffset, this.arenaUsed);
    for (let k = 0; k < this.n; k++) out[k] = buf.toString('utf8', this.offsets[k], this.offsets[k + 1]);
    return out;
  }

  private insert(bytes: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const len = end - start;
    const k = this.n;
    if (k + 1 >= this.offsets.length) this.offsets = grow32(this.offsets, k + 2);
    if (this.arenaUsed + len > this.arena.length) this.growArena(this.arenaUsed + len);
    const at = slot * SLOT;
    this.slots[at] = hash;
    this.slots[at + 1] = k + 1;
    this.slots[at + 2] = this.arenaUsed;
    this.slots[at + 3] = len;
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.arenaUsed += len;
    this.offsets[k + 1] = this.arenaUsed;
    this.n = k + 1;
    if (this.n * 2 > this.slots.length / SLOT) this.rehash();
    return k;
  }

  private growArena(need: number): void {
    if (need > MAX_ARENA_BYTES) {
      throw new EarshotError('ERR_TRIPLETS_TOO_LARGE', `distinct ids need more than ${MAX_ARENA_BYTES} bytes of storage`);
    }
    const next = new Uint8Array(Math.min(MAX_ARENA_BYTES, Math.max(need, Math.ceil(this.arena.length * 1.5))));
    next.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = next;
  }

  /** Doubles the slot count; positions come from the stored hashes, no id bytes are re-read. */
  private rehash(): void {
    const old = this.slots;
    const cap = (old.length / SLOT) * 2;
    const slots = new Int32Array(cap * SLOT);
    const mask = cap - 1;
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at + 1] === 0) continue;
      let s = old[at] & mask;
      while (slots[s * SLOT + 1] !== 0) s = (s + 1) & mask;
      slots.set(old.subarray(at, at + SLOT), s * SLOT);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** A copy of `a` at least `min` long, growing by 1.5x so repeated appends stay amortised O(1). */
function grow32(a: Int32Array, min: number): Int32Array {
  const next = new Int32Array(Math.max(min, Math.ceil(a.length * 1.5)));
  next.set(a);
  return next;
}
