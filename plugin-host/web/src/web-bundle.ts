/**
 * A model bundle (docs/bundle.md) fetched over HTTP into the browser: manifest, catalogue (items.tsv +
 * item_factors.npy), tag models and the ONNX bytes; and what the engine's Recommender does with a factor
 * vector when no listener is known: cosine top-k suggestions (never the playing track, by name or by its
 * factors: src/catalog/same-track.ts; with `playable` only songs with a uri) and logistic tags.
 */
import { SameTrackFilter, type SameTrackMemory } from '../../../src/catalog/same-track';
import { topKJs } from '../../../src/catalog/topk-js';
import { uriKey } from '../../../src/catalog/uri-key';
import type { BundleManifest, BundleTagModel } from '../../../src/model/bundle-format';
import { readOnnxHeader } from '../../../src/model/onnx-header';
import type { Suggestion, TagScore } from '../../../src/protocol';

export interface WebItem {
  id: string;
  artist: string;
  title: string;
  uri?: string;
}

/** What a suggestion must not be, as a stream's settings say it (the engine's SuggestOptions). */
export interface SuggestFilter {
  /** Rows never suggested: the playing track by name (rowsOf). */
  exclude?: ReadonlySet<number>;
  /** The stream's memory of rows its factors took for the playing track. */
  sameTrack?: SameTrackMemory;
  /** Only songs with a uri. */
  playable?: boolean;
}

/** float32 C-order [rows, cols] from a .npy file (format versions 1-3). */
export function parseNpyF32(buf: ArrayBuffer, name: string): { data: Float32Array; rows: number; cols: number } {
  const u8 = new Uint8Array(buf);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (u8.length < 10 || magic.some((b, i) => u8[i] !== b)) throw new Error(`${name}: not a .npy file`);
  const major = u8[6];
  const dv = new DataView(buf);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = new TextDecoder('latin1').decode(u8.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (descr !== '<f4' || fortran !== 'False' || !shape || shape.length !== 2) throw new Error(`${name}: expected little-endian float32 C-order [rows, cols], got ${header.trim()}`);
  const [rows, cols] = shape;
  if (buf.byteLength - start < rows * cols * 4) throw new Error(`${name}: truncated (${buf.byteLength - start} data bytes for ${rows}x${cols} float32)`);
  // Copy: the data offset need not be 4-byte aligned in every format version.
  const data = new Float32Array(buf.slice(start, start + rows * cols * 4));
  return { data, rows, cols };
}

export function parseItemsTsv(text: string, name: string): WebItem[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.length > 0);
  if (!lines[0]?.startsWith('id\tartist\ttitle')) throw new Error(`${name}: the header must be id, artist, title[, uri]`);
  return lines.slice(1).map((l) => {
    const [id, artist = '', title = '', uri] = l.split('\t');
    return uri ? { id, artist, title, uri } : { id, artist, title };
  });
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r;
}

export class WebBundle {
  /** 1/‖y_i‖ per catalogue row (0 for a zero row), the cosine's per-song scale as in src/catalog. */
  private readonly invNorm: Float32Array;

  private constructor(
    readonly url: string,
    readonly manifest: BundleManifest,
    readonly items: WebItem[],
    readonly factors: Float32Array,
    readonly tagModels: BundleTagModel[],
    readonly modelBytes: Uint8Array,
    /** Fewest frames the network accepts (ONNX metadata earshot.min_frames; 1 when absent). */
    readonly minFrames: number,
  ) {
    const f = manifest.factors;
    this.invNorm = new Float32Array(items.length);
    for (let i = 0; i < items.length; i++) {
      let s = 0;
      for (let t = 0; t < f; t++) s += factors[i * f + t] * factors[i * f + t];
      this.invNorm[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
  }

  /** Fetches a bundle directory served at `url` (with or without a trailing slash). */
  static async load(url: string): Promise<WebBundle> {
    const base = new URL(url.endsWith('/') ? url : `${url}/`, location.href).href;
    const manifest = (await (await fetchOk(`${base}manifest.json`)).json()) as BundleManifest;
    if (manifest.format !== 'earshot-bundle') throw new Error(`${base}manifest.json: not an earshot bundle`);
    const [items, npy, tags, model] = await Promise.all([
      fetchOk(base + manifest.files.items).then((r) => r.text()).then((t) => parseItemsTsv(t, manifest.files.items)),
      fetchOk(base + manifest.files.itemFactors).then((r) => r.arrayBuffer()).then((b) => parseNpyF32(b, manifest.files.itemFactors)),
      manifest.files.tags ? fetchOk(base + manifest.files.tags).then((r) => r.json() as Promise<{ tags: BundleTagModel[] }>) : Promise.resolve({ tags: [] }),
      fetchOk(base + manifest.files.model).then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b)),
    ]);
    if (npy.rows !== items.length || npy.cols !== manifest.factors) {
      throw new Error(`${base}: ${manifest.files.itemFactors} is ${npy.rows}x${npy.cols}, expected ${items.length}x${manifest.factors}`);
    }
    const meta = readOnnxHeader(model, base + manifest.files.model).metadata;
    const declared = Number(meta['earshot.min_frames']);
    return new WebBundle(base, manifest, items, npy.data, tags.tags, model, Number.isInteger(declared) && declared >= 1 ? declared : 1);
  }

  /** The rows a name of the playing track refers to: the song with that id, else every song with that uri. */
  rowsOf(ref: string): number[] {
    const byId = this.items.findIndex((it) => it.id === ref);
    if (byId >= 0) return [byId];
    const key = uriKey(ref);
    return this.items.flatMap((it, i) => (it.uri !== undefined && uriKey(it.uri) === key ? [i] : []));
  }

  /**
   * Catalogue songs pointing the same way as `query` (cosine), best first, as the engine scores them,
   * less what `filter` rules out; the search widens (×8) past refused songs as the engine's does.
   */
  suggest(query: Float32Array, k: number, filter: SuggestFilter = {}): Suggestion[] {
    let s = 0;
    for (let t = 0; t < query.length; t++) s += query[t] * query[t];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    const q = Float32Array.from(query, (v) => v * inv);
    const n = this.items.length;
    const same = new SameTrackFilter(filter.sameTrack ?? null);
    const ok = (i: number, score: number): boolean => !filter.exclude?.has(i) && same.accept(i, score) && (!filter.playable || this.items[i].uri !== undefined);
    let hits: { index: number; score: number }[] = [];
    for (let kk = Math.min(n, k + (filter.exclude?.size ?? 0)); ; kk = Math.min(n, kk * 8)) {
      hits = topKJs(this.factors, n, this.manifest.factors, q, kk, this.invNorm).filter((h) => ok(h.index, h.score)).slice(0, k);
      if (hits.length >= k || kk >= n) break;
    }
    same.remember();
    return hits.map((h) => {
      const it = this.items[h.index];
      const out: Suggestion = { id: it.id, title: it.title, artist: it.artist, score: Math.round(h.score * 1e6) / 1e6 };
      if (it.uri) out.uri = it.uri;
      return out;
    });
  }

  /** The `top` most probable tags, p = σ(w·x + b), p descending. */
  tags(x: Float32Array, top: number): TagScore[] {
    const scored = this.tagModels.map((m, j) => {
      let z = m.intercept;
      for (let t = 0; t < x.length; t++) z += m.weights[t] * x[t];
      const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      return { tag: m.tag, p, j };
    });
    scored.sort((a, b) => b.p - a.p || a.j - b.j);
    return scored.slice(0, top).map(({ tag, p }) => ({ tag, p }));
  }
}
