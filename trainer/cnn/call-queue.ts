/**
 * The call discipline both CNN backends (TorchNet, TfjsNet) promise: their asynchronous calls
 * (trainStep, evalLoss, predict) run one at a time in call order, and their synchronous methods refuse
 * (ERR_INVALID_STATE) while any of those is still pending, since they would read or replace weights
 * a queued call is about to use.
 */
import { EarshotError } from '../../src/errors';

export class CallQueue {
  /** Settles when the last queued call has; never rejects. */
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** `owner` names the net in messages ("TorchNet", "TfjsNet"). */
  constructor(private readonly owner: string) {}

  /** Runs `op` after every call queued before it has settled (fulfilled or rejected). */
  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op, op);
    this.pending++;
    // Registered before the caller's handlers: `pending` is already down when an await resumes.
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }

  /** Throws ERR_INVALID_STATE while a queued call has not settled. */
  assertIdle(): void {
    if (this.pending > 0) {
      throw new EarshotError('ERR_INVALID_STATE', `${this.pending} trainStep/evalLoss/predict call(s) still pending on this ${this.owner}; await them first`);
    }
  }

  /** Settles once every call queued so far has (never rejects): to free resources a running call still uses. */
  settled(): Promise<unknown> {
    return this.tail;
  }
}
