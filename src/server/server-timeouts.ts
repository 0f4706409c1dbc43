/**
 * Connection time limits (ServerLimits). Node's own `headersTimeout` is only checked every
 * `connectionsCheckingInterval` and never fires for a connection that has sent no byte, so a client
 * that opens sockets and stays silent (or sends half a request line) would hold a file descriptor
 * forever; here every accepted socket gets a timer that only complete request headers stop.
 */
import type * as http from 'node:http';
import type { Socket } from 'node:net';
import type { ServerLimits } from './server-options';

const HEADER_TIMER = Symbol('earshot.headerTimer');
const IN_FLIGHT = Symbol('earshot.requestsInFlight');
type TimedSocket = Socket & { [HEADER_TIMER]?: NodeJS.Timeout; [IN_FLIGHT]?: number };

function disarm(socket: TimedSocket): void {
  const t = socket[HEADER_TIMER];
  if (t) clearTimeout(t);
  socket[HEADER_TIMER] = undefined;
}

function arm(socket: TimedSocket, ms: number): void {
  disarm(socket);
  const t = setTimeout(() => socket.destroy(), ms);
  t.unref();
  socket[HEADER_TIMER] = t;
}

export function applyTimeouts(server: http.Server, limits: Pick<ServerLimits, 'headersTimeoutS' | 'requestTimeoutS' | 'keepAliveTimeoutS'>): void {
  const headersMs = limits.headersTimeoutS * 1000;
  server.headersTimeout = headersMs;
  server.requestTimeout = limits.requestTimeoutS * 1000;
  server.keepAliveTimeout = limits.keepAliveTimeoutS * 1000;
  server.on('connection', (socket: TimedSocket) => {
    arm(socket, headersMs);
    socket.once('close', () => disarm(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket as TimedSocket;
    disarm(socket);
    socket[IN_FLIGHT] = (socket[IN_FLIGHT] ?? 0) + 1;
    // The next request on a kept-alive connection gets the same limit for its headers — unless one is
    // already in (pipelined behind this one): its headers are complete, its body is not the timer's.
    res.once('finish', () => {
      socket[IN_FLIGHT] = (socket[IN_FLIGHT] ?? 1) - 1;
      if (!socket.destroyed && socket[IN_FLIGHT] === 0) arm(socket, headersMs);
    });
  });
  server.on('upgrade', (req: http.IncomingMessage) => disarm(req.socket as TimedSocket));
}
