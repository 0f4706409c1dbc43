/**
 * `earshot serve`: one HTTP server whose port also takes WebSocket streams at /v1/stream (Protocol v1,
 * docs/protocol.md). Owns the connections, limits, auth and lifecycle (hot reload, graceful shutdown);
 * the engine (src/engine) owns audio, model and catalogue.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Engine } from '../engine/engine';
import { EarshotError } from '../errors';
import { FleetReplica } from '../fleet/fleet-replica';
import { CLOSE } from '../protocol/close-codes';
import { closingError, type ProtocolError } from '../protocol/errors';
import { parseStreamQuery, type StreamParams } from '../protocol/query';
import { echoValue } from '../protocol/redact';
import { STREAM_PATH, SUBPROTOCOL } from '../protocol/version';
import { authorized } from './auth';
import { route, sendJson, type RouteContext } from './http-routes';
import { CatalogCommitter, engineBatchCommit } from './catalog-commit';
import { countRequest, type ServerCounters } from './metrics';
import { LIMIT_DEFAULTS, type ServerLimits, type ServerOptions } from './server-options';
import { isLoopbackHost, OriginPolicy } from './origin-policy';
import { applyTimeouts } from './server-timeouts';
import { StreamConnection } from './stream-connection';
import { HttpError, httpAnswer, refusalError } from './wire-errors';

export interface EarshotServer {
  /** http://host:port (streams: ws://host:port/v1/stream). */
  url: string;
  port: number;
  engine: Engine;
  /** The replica's place in its fleet (serve --redis), else null. */
  fleet: FleetReplica | null;
  readonly connections: ReadonlySet<StreamConnection>;
  /** Loads the bundle directory again (or `dir`) without dropping a stream; a fleet replica rolls it out to the fleet. */
  reload(dir?: string): Promise<void>;
  /** Stops accepting, finalises every stream (final event, close 1001), then releases the model. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<EarshotServer> {
  const limits: ServerLimits = { ...LIMIT_DEFAULTS, ...options.limits };
  const tokens = options.tokens ?? [];
  const log = options.log ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  const policyFor = (port: number): OriginPolicy => {
    try {
      return new OriginPolicy(options.origins ?? {}, host, port, tokens.length > 0);
    } catch (err) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', (err as Error).message);
    }
  };
  let policy = policyFor(options.port ?? 8765); // checks --allow-origin before the model loads
  if (options.fleet && options.catalogDir !== undefined) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', "--catalog and --redis do not go together: a fleet's catalogue lives in Redis (it starts from the first replica's bundle songs; add songs through any replica: docs/fleet.md)");
  }
  // A fleet replica serves the fleet's bundle revision and catalogue (from Redis, written into its cache), whatever --bundle holds.
  const fleet = options.fleet ? await FleetReplica.join(options.fleet, options.bundleDir, log) : null;
  const engine = await Engine.open({
    bundleDir: fleet?.bundleDir ?? options.bundleDir,
    catalogDir: options.catalogDir,
    batcher: options.batcher,
    model: options.model,
    inferenceThread: options.inferenceThread,
    cnnPath: options.cnnPath,
    analysis: options.analysis,
    inputLimits: { ...options.inputLimits, maxDurationS: limits.maxUploadDurationS },
    log,
  }).catch(async (err) => {
    await fleet?.close();
    throw err;
  });
  const connections = new Set<StreamConnection>();
  const counters: ServerCounters = { connectionsTotal: 0, refusedTotal: 0, slowConsumersTotal: 0, errorsTotal: 0, http: new Map() };
  let shuttingDown = false;
  let reloading: Promise<void> | null = null;

  async function localReload(dir?: string): Promise<void> {
    // One reload at a time; a second request waits for the first and then loads again.
    while (reloading) await reloading.catch(() => undefined);
    reloading = engine.reload(dir);
    try {
      await reloading;
      for (const c of connections) c.reloaded();
      log(`reloaded bundle ${engine.bundle.dir} (${engine.recommender.catalog.size} items)`);
    } finally {
      reloading = null;
    }
  }

  /**
   * A fleet replica: reload(dir) rolls `dir` out to the whole fleet (resolves once served here); reload()
   * (SIGHUP, POST /v1/admin/reload) reloads the revision the fleet serves, here only: a replica's own
   * start-up --bundle never overrides `earshot fleet reload`.
   */
  async function reload(dir?: string): Promise<void> {
    if (fleet) await (dir === undefined ? fleet.reloadServed() : fleet.publish(dir));
    else await localReload(dir);
  }
  fleet?.attach({ catalog: () => engine.recommender.catalog, reload: (dir) => localReload(dir) });

  // Ingest takes every core only while no stream is live (ANALYSIS_POOL_DEFAULTS.idleWorkers).
  engine.analysisPool.countLiveStreams(() => engine.streams.size);
  const committer = new CatalogCommitter(engineBatchCommit(() => engine.recommender, options.persistCatalog !== false));
  const ctx: RouteContext = {
    engine,
    limits,
    counters,
    shuttingDown: () => shuttingDown,
    reload: () => reload(),
    fleet: fleet ?? undefined,
    recentNext: [],
    pendingCatalogIds: new Set(),
    // Into the user catalogue (serve --catalog) or the bundle, wherever the songs came from: one durable save per batch of changes.
    writeCatalog: fleet ? fleet.write : committer.write, // a fleet replica: durable in the fleet's Redis log, then applied here
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.on('finish', () => countRequest(counters, url.pathname, res.statusCode));
    const refused = policy.refusal(req);
    if (refused) {
      counters.refusedTotal++;
      log(`refused ${req.method} ${url.pathname}: ${refused.message}`);
      return sendJson(res, 403, { error: refused });
    }
    if (req.headers.origin !== undefined) {
      // An allowed page may read the answers (CORS); preflights are answered here, before auth.
      res.setHeader('access-control-allow-origin', req.headers.origin);
      res.setHeader('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS', 'access-control-allow-headers': 'authorization, content-type', 'access-control-max-age': '600' });
        return void res.end();
      }
    }
    const done = (err: unknown): void => {
      if (res.headersSent) return void res.destroy();
      const a = httpAnswer(err);
      // Server-side messages may name files (a bundle that failed to load): the client gets base names, the log the paths.
      if (a.unexpected) log(`${err instanceof EarshotError ? 'error' : 'internal error'} on ${req.method} ${url.pathname}: ${(err as Error)?.stack ?? err}`);
      sendJson(res, a.status, { error: { code: a.code, message: a.message } }, a.headers);
    };
    if (url.pathname !== '/healthz' && !authorized(tokens, req, url)) return done(new HttpError('unauthorized', 'a valid token is required (Authorization: Bearer <token>)'));
    if (shuttingDown && req.method !== 'GET' && req.method !== 'HEAD') return done(new HttpError('shutting_down', 'the server is shutting down'));
    route(ctx, req, res, url).then((matched) => {
      if (!matched) done(new HttpError('not_found', `no route for ${req.method} ${echoValue(url.pathname)}`));
    }, done);
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false, // PCM does not compress; deflate would cost CPU per stream
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  /** Refusals after the handshake carry an error event and a close code a browser can read. */
  function refuse(ws: WebSocket, err: ProtocolError): void {
    counters.refusedTotal++;
    counters.errorsTotal++;
    ws.send(JSON.stringify({ type: 'error', code: err.code, message: err.message, retryable: err.retryable }));
    ws.close(err.closeCode ?? CLOSE.policy, err.code);
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== STREAM_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      (socket as Socket).destroySoon(); // the http server no longer tracks an upgraded socket: close it, not half of it
      return;
    }
    socket.on('error', () => undefined); // a peer resetting mid-handshake must not crash the process
    const refused = policy.refusal(req);
    if (refused) {
      // Before the handshake: a page that may not use the server never gets a WebSocket at all.
      counters.refusedTotal++;
      log(`refused a stream: ${refused.message}`);
      const body = JSON.stringify({ error: refused });
      socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      (socket as Socket).destroySoon();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      let params: StreamParams;
      try {
        if (!authorized(tokens, req, url)) throw closingError('unauthorized', 'a valid token is required (Authorization: Bearer, ?token= or subprotocol bearer.<token>)');
        if (shuttingDown) throw closingError('shutting_down', 'the server is shutting down', true);
        if (connections.size >= limits.maxStreams) throw closingError('too_many_streams', `the server holds its limit of ${limits.maxStreams} streams`, true);
        params = parseStreamQuery(url.searchParams);
      } catch (err) {
        return refuse(ws, refusalError(err));
      }
      counters.connectionsTotal++;
      let c: StreamConnection;
      try {
        c = new StreamConnection(ws, engine, params, limits, counters, (gone) => connections.delete(gone));
      } catch (err) {
        // A stream that cannot be set up is refused; the process and the other streams go on.
        log(`cannot start a stream: ${(err as Error)?.stack ?? err}`);
        return refuse(ws, closingError('internal', `the stream could not be started: ${(err as Error)?.message ?? err}`));
      }
      connections.add(c);
    });
  });

  applyTimeouts(server, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new EarshotError('ERR_IO', `cannot listen on ${host}:${options.port ?? 8765}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err })));
    server.listen(options.port ?? 8765, host, () => resolve());
  }).catch(async (err) => {
    await fleet?.close();
    await engine.close();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  policy = policyFor(port);
  if (!policy.checksHost && tokens.length === 0 && !isLoopbackHost(host)) {
    log(`warning: listening on ${host} without a token: anyone who can reach port ${port} can add songs and reload the model (start with --token)`);
  }

  let closed: Promise<void> | null = null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    engine,
    fleet,
    connections,
    reload,
    close() {
      closed ??= (async () => {
        shuttingDown = true;
        server.close();
        await Promise.all([...connections].map((c) => c.shutdown(CLOSE.goingAway, 'server shutting down').catch(() => undefined)));
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        server.closeAllConnections();
        await committer.idle(); // songs whose analysis finished are saved before the engine goes
        await fleet?.close(); // no rollout may start while the engine closes
        await engine.close();
      })();
      return closed;
    },
  };
}
