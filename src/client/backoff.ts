/**
 * Reconnect delays: exponential backoff with jitter, so that a server restart is not met by every
 * client reconnecting in the same millisecond (the "thundering herd").
 */

export interface ReconnectOptions {
  /** Delay before the first attempt (ms). Default 500. */
  initialDelayMs?: number;
  /** Upper bound of any delay (ms). Default 30,000. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Attempts after one drop before giving up (Infinity: never give up, for radio tagging). Default Infinity. */
  maxAttempts?: number;
  /**
   * Fraction of each delay that is random, 0..1: the delay is drawn uniformly from
   * [(1 - jitter)·d, d]. Default 0.5.
   */
  jitter?: number;
}

export type ResolvedReconnect = Required<ReconnectOptions>;

export const RECONNECT_DEFAULTS: ResolvedReconnect = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, maxAttempts: Infinity, jitter: 0.5 };

export function resolveReconnect(opts: ReconnectOptions | undefined): ResolvedReconnect {
  const r = { ...RECONNECT_DEFAULTS, ...dropUndefined(opts ?? {}) };
  const positive = (name: keyof ResolvedReconnect, v: number, min: number) => {
    if (!(typeof v === 'number' && v >= min && !Number.isNaN(v))) throw new RangeError(`reconnect.${name} must be a number >= ${min}, got ${v}`);
  };
  positive('initialDelayMs', r.initialDelayMs, 0);
  positive('maxDelayMs', r.maxDelayMs, r.initialDelayMs);
  positive('factor', r.factor, 1);
  positive('maxAttempts', r.maxAttempts, 0);
  if (!(r.jitter >= 0 && r.jitter <= 1)) throw new RangeError(`reconnect.jitter must be in 0..1, got ${r.jitter}`);
  return r;
}

/** Delay (ms) before attempt number `attempt` (1-based); `random` returns [0, 1). */
export function backoffDelayMs(attempt: number, r: ResolvedReconnect, random: () => number = Math.random): number {
  const base = Math.min(r.maxDelayMs, r.initialDelayMs * Math.pow(r.factor, Math.max(0, attempt - 1)));
  return Math.round(base * (1 - r.jitter * random()));
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
