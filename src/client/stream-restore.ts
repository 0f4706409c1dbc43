/**
 * What a reconnect puts back on the new stream (src/client/client.ts): the server's new stream starts
 * from defaults, so the client remembers every configure (merged), the last reset's track, the current
 * track's latest audio (./replay-buffer.ts: one window + 0.5 s by default, so the new stream — perhaps on
 * another replica behind a load balancer — predicts at once) and whether that track was finalized.
 * Only the memory and the order of the replay live here; the client owns the socket and sends them.
 */
import type { BeginEvent } from '../protocol/events';
import type { ClientMessage, ConfigureMessage } from '../protocol/messages';
import { ReplayBuffer, replayBytes } from './replay-buffer';

export type ConfigureFields = Omit<ConfigureMessage, 'type'>;

/** What to send to a new stream, in order: the JSON messages before the audio, the audio, then `finalize`s. */
export interface RestorePlan {
  before: ClientMessage[];
  /** The latest audio of the current track (wire bytes), or null when none is due. */
  audio: Uint8Array | null;
  finalizes: number;
}

export class StreamRestore {
  private configure: ConfigureFields | null = null;
  private reset: { track?: string } | null = null;
  private replay: ReplayBuffer | null = null;
  private trackFinalized = false;

  constructor(
    private readonly replayS: number | undefined,
    private readonly frameBytes: number,
  ) {}

  /** The first `begin` sizes the replay from the server's window (begin.window_s); later ones keep it. */
  opened(begin: BeginEvent): void {
    this.replay ??= new ReplayBuffer(replayBytes(this.replayS, begin, this.frameBytes), this.frameBytes);
  }

  /** Kept even when it could not be sent: after a reconnect the new stream starts from the newest audio. */
  audio(bytes: Uint8Array): void {
    this.replay?.push(bytes);
  }

  configured(fields: ConfigureFields): void {
    this.configure = { ...this.configure, ...definedFields(fields) };
  }

  /** A new track: its audio starts afresh and it is not finalized. */
  resetTo(track: string | undefined): void {
    this.reset = track === undefined ? {} : { track };
    this.replay?.clear();
    this.trackFinalized = false;
  }

  finalized(): void {
    this.trackFinalized = true;
  }

  /**
   * The replay for a new stream with `owedFinals` finalizes still unanswered: configure, reset, then the
   * track's latest audio (unless the track was finalized and answered: then it has ended), then one
   * finalize per final still owed, in the order they were asked for.
   */
  plan(owedFinals: number): RestorePlan {
    const before: ClientMessage[] = [];
    if (this.configure) before.push({ type: 'configure', ...this.configure });
    if (this.reset) before.push({ type: 'reset', ...this.reset });
    const contents = this.replay && (!this.trackFinalized || owedFinals > 0) ? this.replay.contents() : null;
    return { before, audio: contents && contents.byteLength > 0 ? contents : null, finalizes: owedFinals };
  }
}

function definedFields<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
