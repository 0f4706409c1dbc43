/**
 * Reads the fleet's log in order, from a position, on its own connection (XREAD BLOCK holds a
 * connection for as long as it waits). Each batch is handed to `apply` and the next read starts after
 * the last entry `apply` accepted, so the reader never skips an entry and never hands one twice.
 *
 * During a Redis outage the pending XREAD waits (the reader connection queues and resends it on
 * reconnect: ./redis-connection.ts) and reading resumes from the same position.
 */
import { decodeEntry, type LogEntry } from './log-entry';
import type { FleetRedis } from './redis-connection';

/** Entries per XREAD: a starting replica catches up in batches of this many (one catalogue update each). */
export const READ_BATCH = 1000;
/** XREAD BLOCK timeout (ms): how long one read waits for a new entry before it reads again. */
const BLOCK_MS = 2000;

export interface LogReaderHooks {
  /** Where to read after (a stream id): asked before every read, so a resync can move it. */
  position: () => string;
  /** Applies a batch in order; resolves once applied (the next read starts after it). */
  apply: (entries: LogEntry[]) => Promise<void>;
  /** An entry that cannot be decoded (it is skipped: no replica can apply it) or a read that failed. */
  problem: (message: string) => void;
}

export class LogReader {
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly redis: FleetRedis,
    private readonly logKey: string,
    private readonly hooks: LogReaderHooks,
    private readonly skipMalformed: (streamId: string) => void,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops after the read in flight (the connection is closed by the owner to cut a blocked read short). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = (await this.redis.xreadBuffer('COUNT', READ_BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', this.logKey, this.hooks.position())) as typeof reply;
      } catch (err) {
        if (this.stopped) return;
        this.hooks.problem(`reading the fleet log failed (${(err as Error).message}); trying again`);
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (this.stopped || !reply) continue;
      try {
        await this.applyBatch(reply[0][1]);
      } catch (err) {
        // Applying needed Redis (a resync from the snapshot) and it failed: read again from where it stands.
        this.hooks.problem(`applying the fleet log failed (${(err as Error).message}); trying again`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async applyBatch(items: [Buffer, Buffer[]][]): Promise<void> {
    const entries: LogEntry[] = [];
    for (const [idBuf, fields] of items) {
      const streamId = idBuf.toString();
      try {
        entries.push(decodeEntry(streamId, fields));
      } catch (err) {
        // Not written by an earshot replica (its scripts write only well-formed entries): skipped, said.
        this.hooks.problem(`skipped: ${(err as Error).message}`);
        if (entries.length > 0) await this.hooks.apply(entries.splice(0));
        this.skipMalformed(streamId);
      }
    }
    if (entries.length > 0) await this.hooks.apply(entries);
  }
}
