/**
 * The HTTP side of the engine's port: health, metrics, offline analysis, catalogue changes (add, remove,
 * edit), the radio automation's next track and the admin reload. JSON in and out (text where a radio script wants it);
 * errors are `{ "error": { code, message } }` with the matching status, never a dropped connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnalysisTicket } from '../engine/analysis-pool';
import type { Engine } from '../engine/engine';
import type { FleetView } from '../fleet/fleet-status';
import { DuplicateIdError, UnknownIdError, type Catalog } from '../catalog/catalog';
import type { CatalogItemPatch, CatalogWriter } from '../catalog/catalog-change';
import { EarshotError } from '../errors';
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
  /**
   * Where every catalogue change goes (POST, DELETE, PATCH /v1/catalog): resolves once it is durable and
   * in this engine's catalogue (a single engine: the group commit of src/server/catalog-commit.ts).
   */
  writeCatalog: CatalogWriter;
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
  // With a declared length the body is copied into one buffer as it arrives (64-KB pieces between other
  // events), not concatenated at the end: one concat of a 30-MB upload held the event loop ≈ 100 ms.
  const whole = Number.isFinite(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : null;
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
      const piece = chunk as Buffer;
      if (size + piece.length > limit) throw new HttpError('too_large', `the body exceeds ${limit} bytes`);
      if (whole && size + piece.length <= whole.length) piece.copy(whole, size);
      else parts.push(piece);
      size += piece.length;
    }
  } catch (err) {
    if (!stalled) throw err;
  } finally {
    clearTimeout(timer);
  }
  // The connection is gone by now; the error only ends the route (and releases its queue place).
  if (stalled) throw new HttpError('body_timeout', `no body bytes for ${idleS} s`);
  if (size === 0) throw new HttpError('bad_request', 'the request body is empty; send the audio file as the body');
  if (!whole) return Buffer.concat(parts);
  // Node's HTTP parser ends the body at content-length, so nothing lands in `parts`; a short body is what arrived.
  return size === whole.length ? whole : whole.subarray(0, size);
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

/** Catalogue rows of live songs with a uri (a file or URL a player can open). */
function playableRows(catalog: Catalog): number[] {
  const rows: number[] = [];
  for (let i = 0; i < catalog.rows; i++) if (catalog.isLive(i) && catalog.item(i).uri) rows.push(i);
  return rows;
}

/** A live row at random (uniform): a few random draws, then the list (a catalogue of mostly removed rows). */
function randomLiveRow(catalog: Catalog): number {
  for (let t = 0; t < 16; t++) {
    const i = Math.floor(Math.random() * catalog.rows);
    if (catalog.isLive(i)) return i;
  }
  const live: number[] = [];
  for (let i = 0; i < catalog.rows; i++) if (catalog.isLive(i)) live.push(i);
  return live[Math.floor(Math.random() * live.length)];
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
    const all = playable ? playableRows(catalog) : null;
    const fresh = all?.filter((i) => !exclude.has(i));
    const rows = fresh && fresh.length > 0 ? fresh : all; // all played recently: repeat rather than fail
    if (rows && rows.length === 0) throw new HttpError('nothing_playable', 'no catalogue song has a uri (add files with earshot catalog add)');
    index = rows ? rows[Math.floor(Math.random() * rows.length)] : randomLiveRow(catalog); // no seed track: start anywhere
  }
  if (index < 0) throw new HttpError('nothing_playable', `no playable song besides ${echoValue(after)}`);
  const item = catalog.item(index);
  ctx.recentNext.push(item.id);
  if (ctx.recentNext.length > 50) ctx.recentNext.shift();
  if ((q.get('format') ?? 'text') === 'json') sendJson(res, 200, { id: item.id, artist: item.artist, title: item.title, uri: item.uri ?? null });
  else sendText(res, 200, `${item.uri ?? item.id}\n`);
}

/** The id a DELETE / PATCH /v1/catalog names (400 without one). */
function catalogId(url: URL): string {
  const id = url.searchParams.get('id');
  if (id === null || id === '') throw new HttpError('bad_request', 'id is required');
  return id;
}

/** A refused catalogue change as its answer: 404 unknown_track, 409 duplicate_id, 400 bad_request for a field. */
function catalogWriteError(err: unknown, id: string): unknown {
  if (err instanceof UnknownIdError) return new HttpError('unknown_track', `id ${echoValue(id)} is not in the catalogue`);
  if (err instanceof DuplicateIdError) return new HttpError('duplicate_id', `id ${echoValue(id)} is already in the catalogue`);
  if (err instanceof EarshotError && err.code === 'ERR_INVALID_ARGUMENT') return new HttpError('bad_request', err.message);
  return err;
}

/** DELETE /v1/catalog?id=: the song leaves the catalogue (durably) and no stream suggests it from the answer on. */
async function removeSong(ctx: RouteContext, res: ServerResponse, url: URL): Promise<void> {
  const id = catalogId(url);
  try {
    await ctx.writeCatalog({ op: 'remove', id });
  } catch (err) {
    throw catalogWriteError(err, id);
  }
  sendJson(res, 200, { id, items: ctx.engine.recommender.catalog.size });
}

/** PATCH /v1/catalog?id=&artist=&title=&uri=: sets the fields given (`uri=` empty removes the uri); answers the song as stored. */
async function editSong(ctx: RouteContext, res: ServerResponse, url: URL): Promise<void> {
  const q = url.searchParams;
  const id = catalogId(url);
  const patch: CatalogItemPatch = {};
  const artist = q.get('artist'), title = q.get('title'), uri = q.get('uri');
  if (artist !== null) patch.artist = artist;
  if (title !== null) patch.title = title;
  if (uri !== null) patch.uri = uri === '' ? null : uri;
  if (Object.keys(patch).length === 0) throw new HttpError('bad_request', 'nothing to change: give artist, title or uri (uri= empty removes it)');
  try {
    await ctx.writeCatalog({ op: 'meta', id, patch });
  } catch (err) {
    throw catalogWriteError(err, id);
  }
  const catalog = ctx.engine.recommender.catalog;
  const row = catalog.indexOf(id);
  if (row < 0) throw new HttpError('unknown_track', `id ${echoValue(id)} was removed meanwhile`);
  const item = catalog.item(row);
  sendJson(res, 200, { id: item.id, artist: item.artist, title: item.title, uri: item.uri ?? null, items: catalog.size });
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
          await ctx.writeCatalog({ op: 'add', item, factors: result.factors });
        } catch (err) {
          if (err instanceof DuplicateIdError) throw duplicate(); // backstop: added by another path meanwhile
          throw catalogWriteError(err, id);
        }
        sendJson(res, 201, { ...item, factors: Array.from(result.factors), tags: result.tags, items: ctx.engine.recommender.catalog.size, ms: Math.round(ms * 10) / 10 });
      } finally {
        ctx.pendingCatalogIds.delete(id);
      }
      return true;
    }
    case 'DELETE /v1/catalog':
      await removeSong(ctx, res, url);
      return true;
    case 'PATCH /v1/catalog':
      await editSong(ctx, res, url);
      return true;
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
