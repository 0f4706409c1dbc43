/**
 * One raw TCP connection to a test server on 127.0.0.1, for what fetch cannot do: partial headers,
 * stalled bodies, timed writes, connections left silent. Never rejects: a reset is an outcome too.
 */
import * as net from 'node:net';

export interface RawOutcome {
  /** Every byte the server sent, as latin1. */
  text: string;
  /** ms from connecting until the connection closed; null when `waitMs` passed first (then it is destroyed here). */
  closedAfterMs: number | null;
}

/** Connects, lets `onConnect` write, and collects what comes back until the connection closes or `waitMs` pass. */
export function rawConnection(port: number, onConnect: (s: net.Socket) => void, waitMs: number): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let text = '';
    const s = net.connect(port, '127.0.0.1', () => onConnect(s));
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => undefined);
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closedAfterMs: null });
    }, waitMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: performance.now() - t0 });
    });
  });
}
