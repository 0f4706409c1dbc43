/**
 * The HTTP side of the engine's port: health, metrics, offline analysis, catalogue growth, the radio
 * automation's next track and the admin reload. JSON in and out (text where a radio script wants it);
 * errors are `{ "error": { code, message } }` with the matching status, never a dropped connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnalysisTicket } from '../engine/analysis-pool';
import type { Engine } from '../engine/engine';
import type { FleetView } from '../fleet/fleet-status';
import { DuplicateIdError } from '../catalog/catalog';
import { itemFieldsProblem } from '../catalog/item-fields';
import { SAME_TRACK_COSINE } from '../catalog/same-track';
import { parseUploadQuery } from '../protocol/query';
import { echoValue } from '../protocol/redact';
import { renderMetrics, type ServerCounters } from './metrics';
import type { ServerLimits } from './server-options';
import { HttpError, uploadError } from './wire-errors';

export interface RouteContext {
  engine: Engine;
  limits: ServerLimits;
  counters: ServerCounters;
  shuttingDown: () => boolean;
  reload: () => Promise<void>;
  /** A fleet replica's standing (serve --redis), shown by /healthz and /metrics. */
  fleet?: FleetView;
  /** Resolves once the song is saved (a group commit: src/server/catalog-commit.ts) and in the catalogue. */
  addToCatalog: (item: { id: string; artist: string; title: string; uri?: string }, factors: Float32Array) => Promise<void>;
  /** Ids /v1/next answered recently, newest last (not repeated while in here). */
  recentNext: string[];
  /** Ids of POST /v1/catalog requests under way: a second request for one of them is a 409 at once. */
  pendingCatalogIds: Set<string>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The whole body, at most `limit` bytes. A body that stops arriving for `idleS` seconds is given up and
 * its connection closed: while it arrives it holds a place in the analysis queue.
 */
async function readBody(req: IncomingMessage, limit: number, idleS: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError('too_large', `the body is ${declared} bytes; at most ${limit}`);
  const parts: Buffer[] = [];
  let size = 0;
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      req.destroy();
    }, idleS * 1000);
  };
  arm();
  try {
    for await (const chunk of req) {
      arm();
      size += (chunk as Buffer).length;
      if (size > limit) throw new HttpError('too_large', `the body exceeds ${limit} bytes`);
      parts.push(chunk as Buffer);
    }
  } catch (err) {
    if (!stalled) throw err;
  } finally {
    clearTimeout(timer);
  }
  // The connection is gone by now; the error only ends the route (and releases its queue place).
  if (stalled) throw new HttpError('body_timeout', `no body bytes for ${idleS} s`);
  if (size === 0) throw new HttpError('bad_request', 'the request body is empty; send the audio file as the body');
  return Buffer.concat(parts);
}

async function analyze(ctx: RouteContext, req: IncomingMessage, url: URL): Promise<{ result: Awaited<ReturnType<Engine['analyzeUpload']>>; ms: number }> {
  const q = url.searchParams;
  const { k, tags, hopS } = parseUploadQuery(q); // a bad value: 400 bad_request
  const retryAfterS = (): number => ctx.engine.analysisPool.retryAfterS();
  // A place in the analysis queue first: a full server refuses before it reads (and holds) the upload.
  let ticket: AnalysisTicket;
  try {
    ticket = ctx.engine.analysisPool.reserve(req.socket.remoteAddress ?? '');
  } catch (err) {
    throw uploadError(err, retryAfterS);
  }
  let result: Awaited<ReturnType<Engine['analyzeUpload']>>;
  const t0 = performance.now();
  try {
    const body = await readBody(req, ctx.limits.maxUploadBytes, ctx.limits.headersTimeoutS);
    const exclude = q.get('exclude');
    result = await ctx.engine.analyzeUpload(ticket, body, { k, tags, hopS, exclude: exclude ? ctx.engine.recommender.catalog.indexOf(exclude) : undefined });
  } catch (err) {
    throw uploadError(err, retryAfterS);
  } finally {
    ticket.release(); // no-op once it ran
  }
  if (result.windows === 0) throw new HttpError('too_short', `the audio is ${result.durationS.toFixed(3)} s; the model needs at least ${ctx.engine.bundle.model.minFrames} mel frames`);
  return { result, ms: performance.now() - t0 };
}

/** Catalogue rows with a uri (a file or URL a player can open). */
function playableRows(ctx: RouteContext): number[] {
  const catalog = ctx.engine.recommender.catalog;
  const rows: number[] = [];
  for (let i = 0; i < catalog.size; i++) if (catalog.item(i).uri) rows.push(i);
  return rows;
}

/**
 * GET /v1/next: the song most similar (cosine) to `after` that was not among the last 50 answers or in
 * `exclude`, and is not `after` again under another id (cosine ≥ SAME_TRACK_COSINE: the same recording
 * added twice, src/catalog/same-track.ts); with `playable=1` only songs that have a uri (a radio
 * station's own files, not the bundle's training songs). The search widens ×8 until it finds one, so a
 * catalogue of mostly unplayable songs costs a few searches, not a scan per answer.
 */
function nextTrack(ctx: RouteContext, res: ServerResponse, url: URL): void {
  const q = url.searchParams;
  const catalog = ctx.engine.recommender.catalog;
  const playable = ['1', 'true'].includes(q.get('playable') ?? '');
  if (catalog.size === 0) throw new HttpError('empty_catalog', 'the catalogue is empty');
  const after = q.get('after');
  const exclude = new Set<number>();
  for (const id of [...ctx.recentNext, ...(q.get('exclude') ?? '').split(',')]) {
    const i = id ? catalog.indexOf(id) : -1;
    if (i >= 0) exclude.add(i);
  }
  const ai = after ? catalog.indexOf(after) : -1;
  if (after && ai < 0) throw new HttpError('unknown_track', `after=${echoValue(after)} is not in the catalogue`);
  const ok = (i: number): boolean => !playable || Boolean(catalog.item(i).uri);
  let index = -1;
  if (ai >= 0) {
    const v = catalog.vector(ai);
    // Not `after` again under another id (the same recording added twice), and playable when asked.
    const otherOk = (i: number, cosine: number): boolean => cosine < SAME_TRACK_COSINE && ok(i);
    // Everything excluded (a tiny catalogue, a short playlist): forget the recent answers, then allow
    // copies of `after`, rather than fail (radio automation must get a track).
    const tries: [Set<number>, (i: number, cosine: number) => boolean][] = [
      [new Set([...exclude, ai]), otherOk],
      [new Set([ai]), otherOk],
      [new Set([ai]), ok],
    ];
    for (const [skip, accept] of tries) {
      index = catalog.topK(v, 1, { metric: 'cosine', exclude: skip, accept })[0]?.index ?? -1;
      if (index >= 0) break;
    }
  } else {
    const all = playable ? playableRows(ctx) : null;
    const fresh = all?.filter((i) => !exclude.has(i));
    const rows = fresh && fresh.length > 0 ? fresh : all; // all played recently: repeat rather than fail
    if (rows && rows.length === 0) throw new HttpError('nothing_playable', 'no catalogue song has a uri (add files with earshot catalog add)');
    index = rows ? rows[Math.floor(Math.random() * rows.length)] : Math.floor(Math.random() * catalog.size); // no seed track: start anywhere
  }
  if (index < 0) throw new HttpError('nothing_playable', `no playable song besides ${echoValue(after)}`);
  const item = catalog.item(index);
  ctx.recentNext.push(item.id);
  if (ctx.recentNext.length > 50) ctx.recentNext.shift();
  if ((q.get('format') ?? 'text') === 'json') sendJson(res, 200, { id: item.id, artist: item.artist, title: item.title, uri: item.uri ?? null });
  else sendText(res, 200, `${item.uri ?? item.id}\n`);
}

/** Routes one request; returns false when no route matches. */
export async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const key = `${req.method} ${url.pathname}`;
  switch (key) {
    case 'GET /healthz': {
      const fleet = ctx.fleet?.status();
      // A replica that has not yet caught up with its fleet's log is not ready for traffic (a load balancer's check).
      const status = ctx.shuttingDown() ? 'shutting_down' : fleet && !fleet.ready ? 'catching_up' : 'ok';
      sendJson(res, status === 'ok' ? 200 : 503, { status, streams: ctx.engine.streams.size, model: ctx.engine.modelName, items: ctx.engine.recommender.catalog.size, ...(fleet && { fleet }) });
      return true;
    }
    case 'GET /metrics':
      sendText(res, 200, renderMetrics(ctx.engine, ctx.counters, ctx.fleet), 'text/plain; version=0.0.4; charset=utf-8');
      return true;
    case 'POST /v1/analyze': {
      const { result, ms } = await analyze(ctx, req, url);
      sendJson(res, 200, { windows: result.windows, duration_s: result.durationS, factors: Array.from(result.factors), suggestions: result.suggestions, same_track: result.sameTrack, tags: result.tags, ms: Math.round(ms * 10) / 10 });
      return true;
    }
    case 'POST /v1/catalog': {
      const q = url.searchParams;
      const id = q.get('id');
      if (id === null) throw new HttpError('bad_request', 'id is required');
      const item = { id, artist: q.get('artist') ?? '', title: q.get('title') ?? id, ...(q.get('uri') ? { uri: q.get('uri') as string } : {}) };
      const problem = itemFieldsProblem(item); // src/catalog/item-fields.ts: accepted as given, or refused
      if (problem) throw new HttpError('bad_request', problem);
      const duplicate = (): HttpError => new HttpError('duplicate_id', `id ${echoValue(id)} is already in the catalogue`);
      // The id is reserved while its audio is analysed: concurrent adds of one id get 409, not a race.
      if (ctx.engine.recommender.catalog.indexOf(id) >= 0) throw duplicate();
      if (ctx.pendingCatalogIds.has(id)) throw new HttpError('duplicate_id', `id ${echoValue(id)} is being added by another request`);
      ctx.pendingCatalogIds.add(id);
      try {
        const { result, ms } = await analyze(ctx, req, url);
        try {
          await ctx.addToCatalog(item, result.factors);
        } catch (err) {
          if (err instanceof DuplicateIdError) throw duplicate(); // backstop: added by another path meanwhile
          throw err;
        }
        sendJson(res, 201, { ...item, factors: Array.from(result.factors), tags: result.tags, items: ctx.engine.recommender.catalog.size, ms: Math.round(ms * 10) / 10 });
      } finally {
        ctx.pendingCatalogIds.delete(id);
      }
      return true;
    }
    case 'GET /v1/next':
      nextTrack(ctx, res, url);
      return true;
    case 'POST /v1/admin/reload':
      await ctx.reload();
      sendJson(res, 200, { model: ctx.engine.modelName, factors: ctx.engine.factors, items: ctx.engine.recommender.catalog.size, generation: ctx.engine.generation });
      return true;
    default:
      return false;
  }
}
