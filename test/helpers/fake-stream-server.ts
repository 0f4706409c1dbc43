/**
 * A tiny Protocol v1 server for the client SDK's tests (the `ws` package, no model): it sends `begin`,
 * counts PCM, emits a `window` per hop of audio received and `final` on finalize, answers configure and
 * reset, and records every connection (URL, headers, messages) so tests can assert on what the client
 * sent and can drop the connection with any close code.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { BYTES_PER_SAMPLE, parseClientMessage, parseStreamQuery, type BeginEvent, type ClientMessage, type ServerEvent, type StreamParams, type WindowEvent } from '../../src/protocol';

export interface FakeConnection {
  ws: WebSocket;
  url: URL;
  headers: IncomingHttpHeaders;
  params: StreamParams;
  messages: ClientMessage[];
  binaryFrames: number;
  binaryBytes: number;
  /** Resolves with the next client message of this type (or one already received and not yet taken). */
  next(type: ClientMessage['type']): Promise<ClientMessage>;
  send(ev: ServerEvent): void;
}

export interface FakeServerOptions {
  /** Emit windows as audio arrives (default true). */
  windows?: boolean;
  /** Called for each new connection after `begin` was sent. */
  onConnection?: (c: FakeConnection) => void;
  /** Don't send `begin` (to test connect timeouts). */
  silent?: boolean;
}

export interface FakeServer {
  url: string;
  port: number;
  connections: FakeConnection[];
  /** Resolves with the i-th connection (0-based) once it has been made. */
  connection(i: number): Promise<FakeConnection>;
  close(): Promise<void>;
}

export async function startFakeServer(opts: FakeServerOptions = {}): Promise<FakeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('earshot.v1') ? 'earshot.v1' : false) });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as { port: number }).port;
  const connections: FakeConnection[] = [];
  const waiting: { i: number; resolve: (c: FakeConnection) => void }[] = [];

  wss.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const params = parseStreamQuery(url.searchParams);
    const queued = new Map<string, ClientMessage[]>();
    const waiters = new Map<string, ((m: ClientMessage) => void)[]>();
    let samples = 0; // mono samples since the last reset
    let seq = 0;
    let nextWindowEnd = 3.0;
    const c: FakeConnection = {
      ws, url, headers: req.headers, params, messages: [], binaryFrames: 0, binaryBytes: 0,
      next(type) {
        const q = queued.get(type);
        if (q && q.length > 0) return Promise.resolve(q.shift()!);
        return new Promise((resolve) => waiters.set(type, [...(waiters.get(type) ?? []), resolve]));
      },
      send(ev) {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(ev));
      },
    };
    const window = (type: 'window' | 'final'): WindowEvent => ({
      type, seq: seq++, t_start: Math.max(0, nextWindowEnd - 3), t_end: Math.min(nextWindowEnd, samples / params.sampleRateHz), windows: seq, dropped: 0,
      suggestions: [{ id: 's1', title: 'Title', artist: 'Artist', score: 0.83 }, { id: 's2', title: 'Other', artist: 'Band', score: 0.5 }],
      tags: [{ tag: 'rock', p: 0.91 }, { tag: 'energetic', p: 0.8 }],
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const bytes = (data as Buffer).length;
        c.binaryFrames++;
        c.binaryBytes += bytes;
        samples += bytes / (BYTES_PER_SAMPLE[params.encoding] * params.channels);
        while (opts.windows !== false && samples / params.sampleRateHz >= nextWindowEnd) {
          c.send(window('window'));
          nextWindowEnd += params.hopS;
        }
        return;
      }
      const m = parseClientMessage(String(data));
      c.messages.push(m);
      const w = waiters.get(m.type);
      if (w && w.length > 0) w.shift()!(m);
      else queued.set(m.type, [...(queued.get(m.type) ?? []), m]);
      if (m.type === 'configure') c.send({ type: 'configured', hop_s: m.hop ?? params.hopS, k: m.k ?? params.k, tags: m.tags ?? params.tags, factors: m.factors ?? params.factors, playable: m.playable ?? params.playable, mean: m.mean ?? params.mean, mean_s: m.mean_s ?? params.meanS, segment: m.segment ?? params.segment, history: m.history?.length ?? 0 });
      if (m.type === 'reset') {
        samples = 0;
        seq = 0;
        nextWindowEnd = 3.0;
        c.send({ type: 'reset', track: m.track ?? null });
      }
      if (m.type === 'finalize') {
        nextWindowEnd = samples / params.sampleRateHz;
        c.send(window('final'));
      }
      if (m.type === 'close') ws.close(1000);
    });
    if (!opts.silent) {
      const begin: BeginEvent = {
        type: 'begin', protocol: 1, id: `fake-${connections.length}`, model: 'fake', factors: 4, items: 2, window_s: 3, hop_s: params.hopS,
        sample_rate: params.sampleRateHz, encoding: params.encoding, channels: params.channels, k: params.k, playable: params.playable, track: null,
        mean: params.mean, mean_s: params.meanS, segment: params.segment,
      };
      c.send(begin);
    }
    connections.push(c);
    opts.onConnection?.(c);
    for (const w of waiting.filter((w) => w.i === connections.length - 1)) w.resolve(c);
  });

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    connections,
    connection: (i) => (connections[i] ? Promise.resolve(connections[i]) : new Promise((resolve) => waiting.push({ i, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
