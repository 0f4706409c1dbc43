/**
 * `earshot serve`: the realtime engine on one port — WebSocket streams at /v1/stream and the HTTP API
 * (docs/protocol.md). SIGHUP reloads the bundle (a fleet replica: the fleet's revision, here only; it publishes nothing); SIGINT/SIGTERM finalise every stream and exit 0.
 */
import { EarshotError } from '../errors';
import { DEFAULT_FLEET_NAME, fleetKeys } from '../fleet/fleet-keys';
import { FLEET_DEFAULTS } from '../fleet/fleet-replica';
import { parseRedisUrl } from '../fleet/redis-url';
import { startServer } from '../server/server';
import { LIMIT_DEFAULTS } from '../server/server-options';
import { ANALYSIS_POOL_DEFAULTS } from '../engine/analysis-pool';
import { BATCHER_DEFAULTS } from '../engine/micro-batcher';
import { choiceArg, intArg, listArg, numArg } from './args';
import { DEFAULT_BUNDLE_DIR } from './default-bundle';
import { defineCommand, type OptionValues } from './dispatch';

export const SERVE_USAGE = `usage: earshot serve [options]
  Serves a model bundle: ws://HOST:PORT/v1/stream (live audio in, suggestions and tags out) and the HTTP
  API (/healthz, /metrics, POST /v1/analyze, POST /v1/catalog, GET /v1/next, POST /v1/admin/reload).
  --bundle <dir>          model bundle (default: the package's models/default)
  --catalog <dir>         suggest from this user catalogue (earshot catalog init <dir> --bundle <b>) instead
                          of the bundle's own songs; songs added are saved there (docs/catalog.md)
  --host <addr>           interface to listen on (default 127.0.0.1)
  --port <n>              port, 0 for any free one (default 8765)
  --token <t>             require this bearer token (repeatable; also $EARSHOT_TOKENS, comma-separated)
  --max-streams <n>       concurrent streams (default ${LIMIT_DEFAULTS.maxStreams})
  --max-frame-bytes <n>   largest WebSocket message (default ${LIMIT_DEFAULTS.maxFrameBytes})
  --idle-timeout <s>      close streams silent this long (default ${LIMIT_DEFAULTS.idleTimeoutS})
  --max-batch <n>         windows per ONNX Runtime run (default ${BATCHER_DEFAULTS.maxBatch})
  --batch-wait-ms <ms>    longest a window waits for a batch (default ${BATCHER_DEFAULTS.maxWaitMs})
  --threads <n>           ONNX Runtime threads per run (default 1)
  --inference-thread <t>  worker: the CNN on its own thread, off the event loop (default); main
  --cnn-path <p>          stream: stream windows through the bundle's streaming pair, the convolutions
                          once per stream and only the head per window (default when the bundle has
                          one; docs/bundle.md); window: the whole-window model for every window
  --allow-origin <o>      also let web pages from this origin use the server (repeatable; scheme://host[:port],
                          or * for any). Default: only the server's own and loopback pages (docs/security.md)
  --allow-host <name>     also answer this Host name on a loopback bind without --token (a reverse proxy)
  --headers-timeout <s>   close connections whose request headers (or WebSocket handshake) are not
                          complete in this time (default ${LIMIT_DEFAULTS.headersTimeoutS})
  --request-timeout <s>   a request with its body (an upload) must arrive within (default ${LIMIT_DEFAULTS.requestTimeoutS})
  --keep-alive-timeout <s> close idle HTTP keep-alive connections after (default ${LIMIT_DEFAULTS.keepAliveTimeoutS})
  --analysis-workers <n>  uploads analysed at once while streams are live, each on its own thread (default ${ANALYSIS_POOL_DEFAULTS.workers})
  --analysis-idle-workers <n>  uploads analysed at once while no stream is open (a library import before
                          the set; default: the CPU cores, ${ANALYSIS_POOL_DEFAULTS.idleWorkers} here). A stream that opens lets
                          those running finish and starts no more than --analysis-workers
  --analysis-queue <n>    uploads waiting beyond those; more get 503 + Retry-After (default ${ANALYSIS_POOL_DEFAULTS.maxQueued})
  --analysis-timeout <s>  stop an analysis running longer (default ${ANALYSIS_POOL_DEFAULTS.timeoutS})
  --no-persist            keep POST /v1/catalog additions in memory only
  --redis <url>           join a fleet: redis://host[:port][/db]; the catalogue and the model are shared
                          through Redis (needs appendonly yes; docs/fleet.md), not with --catalog
  --fleet <name>          the fleet's key prefix in Redis (default ${DEFAULT_FLEET_NAME})
  --fleet-snapshot-entries <n>  write a fleet snapshot once at least this many log entries follow the last one, and at least as many as a quarter of the catalogue (default ${FLEET_DEFAULTS.snapshotEveryEntries})
  --fleet-snapshot-seconds <s>  …or this long after the last one (default ${FLEET_DEFAULTS.snapshotEverySeconds})
  --fleet-cache <dir>     where fleet bundle revisions are written to load them (default: a temp dir)
  --json                  log as JSON lines (the first: {"type":"listening","url":...})`;

const SERVE_OPTIONS = {
  bundle: { type: 'string' }, catalog: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string', multiple: true },
  'max-streams': { type: 'string' }, 'max-frame-bytes': { type: 'string' }, 'idle-timeout': { type: 'string' },
  'max-batch': { type: 'string' }, 'batch-wait-ms': { type: 'string' }, threads: { type: 'string' }, 'inference-thread': { type: 'string' }, 'cnn-path': { type: 'string' }, 'no-persist': { type: 'boolean' }, json: { type: 'boolean' },
  'allow-origin': { type: 'string', multiple: true }, 'allow-host': { type: 'string', multiple: true },
  'headers-timeout': { type: 'string' }, 'request-timeout': { type: 'string' }, 'keep-alive-timeout': { type: 'string' },
  redis: { type: 'string' }, fleet: { type: 'string' }, 'fleet-snapshot-entries': { type: 'string' }, 'fleet-snapshot-seconds': { type: 'string' }, 'fleet-cache': { type: 'string' },
  'analysis-workers': { type: 'string' }, 'analysis-idle-workers': { type: 'string' }, 'analysis-queue': { type: 'string' }, 'analysis-timeout': { type: 'string' },
} as const;

async function serveCommand(values: OptionValues<typeof SERVE_OPTIONS>): Promise<void> {
  const json = values.json ?? false;
  const log = (type: string, text: string, extra: Record<string, unknown> = {}): void => {
    process.stdout.write(json ? JSON.stringify({ type, ts: new Date().toISOString(), message: text, ...extra }) + '\n' : `earshot serve: ${text}\n`);
  };
  const tokens = [...(values.token ?? []), ...listArg(process.env.EARSHOT_TOKENS)];
  const fleetOnly = (['fleet', 'fleet-snapshot-entries', 'fleet-snapshot-seconds', 'fleet-cache'] as const).find((k) => values[k] !== undefined);
  if (values.redis === undefined && fleetOnly) throw new EarshotError('ERR_INVALID_ARGUMENT', `--${fleetOnly} needs --redis <url>`);
  if (values.redis !== undefined) {
    parseRedisUrl(values.redis); // a bad URL is a usage error before the model loads
    fleetKeys(values.fleet ?? DEFAULT_FLEET_NAME);
  }
  const server = await startServer({
    bundleDir: values.bundle ?? DEFAULT_BUNDLE_DIR,
    catalogDir: values.catalog,
    host: values.host ?? '127.0.0.1',
    port: intArg('port', values.port, 0, 65535) ?? 8765,
    tokens,
    persistCatalog: !values['no-persist'],
    limits: {
      ...(values['max-streams'] !== undefined && { maxStreams: intArg('max-streams', values['max-streams'], 1, 1_000_000) }),
      ...(values['max-frame-bytes'] !== undefined && { maxFrameBytes: intArg('max-frame-bytes', values['max-frame-bytes'], 1024, 1 << 30) }),
      ...(values['idle-timeout'] !== undefined && { idleTimeoutS: numArg('idle-timeout', values['idle-timeout'], 1, 86_400) }),
      ...(values['headers-timeout'] !== undefined && { headersTimeoutS: numArg('headers-timeout', values['headers-timeout'], 0.1, 3600) }),
      ...(values['request-timeout'] !== undefined && { requestTimeoutS: numArg('request-timeout', values['request-timeout'], 1, 86_400) }),
      ...(values['keep-alive-timeout'] !== undefined && { keepAliveTimeoutS: numArg('keep-alive-timeout', values['keep-alive-timeout'], 0.1, 3600) }),
    },
    origins: { allowOrigins: listArg(values['allow-origin']), allowHosts: listArg(values['allow-host']) },
    analysis: {
      ...(values['analysis-workers'] !== undefined && { workers: intArg('analysis-workers', values['analysis-workers'], 1, 64) }),
      ...(values['analysis-idle-workers'] !== undefined && { idleWorkers: intArg('analysis-idle-workers', values['analysis-idle-workers'], 1, 64) }),
      ...(values['analysis-queue'] !== undefined && { maxQueued: intArg('analysis-queue', values['analysis-queue'], 0, 10_000) }),
      ...(values['analysis-timeout'] !== undefined && { timeoutS: numArg('analysis-timeout', values['analysis-timeout'], 1, 86_400) }),
    },
    batcher: {
      ...(values['max-batch'] !== undefined && { maxBatch: intArg('max-batch', values['max-batch'], 1, 1024) }),
      ...(values['batch-wait-ms'] !== undefined && { maxWaitMs: numArg('batch-wait-ms', values['batch-wait-ms'], 0, 1000) }),
    },
    inferenceThread: choiceArg('inference-thread', values['inference-thread'], ['worker', 'main']),
    cnnPath: choiceArg('cnn-path', values['cnn-path'], ['stream', 'window']),
    model: values.threads !== undefined ? { threads: intArg('threads', values.threads, 1, 256) } : undefined,
    fleet: values.redis === undefined ? undefined : {
      redis: values.redis,
      name: values.fleet,
      snapshotEveryEntries: intArg('fleet-snapshot-entries', values['fleet-snapshot-entries'], 1, 100_000_000),
      snapshotEverySeconds: numArg('fleet-snapshot-seconds', values['fleet-snapshot-seconds'], 1, 86_400),
      cacheDir: values['fleet-cache'],
    },
    log: (line) => log('log', line),
  });
  const e = server.engine;
  const songs = e.recommender.songs;
  const from = songs.kind === 'user' ? `, catalogue ${songs.dir}` : '';
  log('listening', `listening on ${server.url} (ws: ${server.url.replace(/^http/, 'ws')}/v1/stream; bundle ${e.bundle.dir}${from}, ${e.recommender.catalog.size} items, ${e.factors} factors, CNN path ${e.cnnPath}${tokens.length ? `, ${tokens.length} token(s)` : ''})`, {
    url: server.url, port: server.port, bundle: e.bundle.dir, ...(server.fleet && { fleet: server.fleet.keys.name, bundle_revision: server.fleet.status().bundle_revision }), ...(songs.kind === 'user' && { catalog: songs.dir }), items: e.recommender.catalog.size, factors: e.factors, cnnPath: e.cnnPath,
  });

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log('shutdown', `${signal}: finalising ${server.connections.size} stream(s)`);
      server.close().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', () => {
      server.reload().catch((err: Error) => log('error', `reload failed, still serving the previous bundle: ${err.message}`));
    });
  });
  log('stopped', 'stopped');
}

export const SERVE_COMMAND = defineCommand({ name: 'serve', summary: 'the realtime engine: WebSocket streams and the HTTP API (docs/protocol.md)', usage: SERVE_USAGE, options: SERVE_OPTIONS, run: serveCommand });
