/**
 * Callers waiting until this replica has applied a log entry (a write answered only once its own
 * change is visible here; a rollout once it is served here), each with its own deadline.
 */
import { EarshotError } from '../errors';

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class AppliedWaiters {
  private waiters: Waiter[] = [];

  /** Resolves once settle() reports `seq` applied; rejects with ERR_FLEET_UNAVAILABLE (`late`) after `ms`. */
  wait(applied: number, seq: number, ms: number, late: string): Promise<void> {
    if (applied >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        seq,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(new EarshotError('ERR_FLEET_UNAVAILABLE', late));
        }, ms),
      };
      this.waiters.push(w);
    });
  }

  /** Everything up to `applied` is applied: resolves those waiting for it. */
  settle(applied: number): void {
    if (!this.waiters.some((w) => w.seq <= applied)) return;
    const done = this.waiters.filter((w) => w.seq <= applied);
    this.waiters = this.waiters.filter((w) => w.seq > applied);
    for (const w of done) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }

  /** Fails everyone still waiting (the replica leaves the fleet). */
  failAll(message: string): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new EarshotError('ERR_FLEET_UNAVAILABLE', message));
    }
  }
}
