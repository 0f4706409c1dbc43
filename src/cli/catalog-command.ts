/**
 * `earshot catalog init|add|next`: creates a user catalogue for a model (docs/catalog.md), grows a
 * running engine's catalogue from audio files (POST /v1/catalog) and asks it for the next track (GET
 * /v1/next), so a DJ's or a station's music folder becomes recommendable with a few commands and shell
 * scripts can auto-DJ without an HTTP client of their own.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CONTROL_CHARACTERS, itemFieldsProblem } from '../catalog/item-fields';
import { EarshotError } from '../errors';
import { loadBundle } from '../model/bundle';
import { initUserCatalog } from '../model/user-catalog';
import { choiceArg } from './args';
import { DEFAULT_BUNDLE_DIR } from './default-bundle';

/** What a directory walk picks up (a file named explicitly is sent whatever its extension). */
export const AUDIO_EXTENSIONS = new Set(['.wav', '.flac', '.mp3', '.ogg', '.opus', '.m4a']);

export const CATALOG_USAGE = `usage: earshot catalog init <dir> [--bundle <dir>] [--json]
       earshot catalog add <audio files or directories…> [options]
       earshot catalog next [--after ID] [--exclude ID,ID] [--json] [options]
  init: creates an empty catalogue of your own songs in <dir> (new or empty), tied to the bundle's model
        (default: the package's models/default); serve it with earshot serve --catalog <dir>: only its
        songs are suggested, and the songs added are saved in it. Another model refuses it.
  add:  predicts each file's factors on a running engine and adds it to the catalogue it serves (saved
        in its --catalog, else in the bundle); directories are searched recursively for ${[...AUDIO_EXTENSIONS].join(' ')}.
        The id is the file name without extension (--id-from path: the absolute path), artist and title
        come from the file's tags (ffprobe) or its name ("Artist - Title.mp3"), the uri is the absolute
        path (what GET /v1/next answers to radio automation). Ids already in the catalogue are skipped.
        Exit status 1 if any file failed.
  next: prints the next track after ID (the most similar song not answered recently; without --after:
        a random one): its uri (or id), or with --json {id, artist, title, uri}.
  --server <url>     engine address (default http://127.0.0.1:8765; ws:// is accepted too)
  --token <token>    access token (default: $EARSHOT_TOKEN)
  --id-from <how>    add: name (default) or path
  --bundle <dir>     init: the model the catalogue is for (default: the package's models/default)
  --json             add: one JSON line per file and a summary line; next: the JSON answer`;

const DEFAULT_SERVER = 'http://127.0.0.1:8765';

export async function catalogCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' },
      'id-from': { type: 'string' }, after: { type: 'string' }, exclude: { type: 'string' }, bundle: { type: 'string' },
    },
  });
  const [sub, ...rest] = positionals;
  if (sub === 'init') {
    const stray = (['server', 'token', 'id-from', 'after', 'exclude'] as const).find((o) => values[o] !== undefined);
    if (stray) throw usage(`--${stray} does not belong to \`catalog init\``);
    if (rest.length !== 1) throw usage(`catalog init expects one directory, got ${rest.length}`);
    return init(rest[0], values.bundle ?? DEFAULT_BUNDLE_DIR, values.json ?? false);
  }
  if (values.bundle !== undefined) throw usage('--bundle belongs to `catalog init` (the engine serving the catalogue has its own)');
  const api = new Api(values.server ?? DEFAULT_SERVER, values.token ?? process.env.EARSHOT_TOKEN);
  if (sub === 'add') {
    if (values.after !== undefined || values.exclude !== undefined) throw usage('--after/--exclude belong to `catalog next`');
    const idFrom = choiceArg('id-from', values['id-from'], ['name', 'path']) ?? 'name';
    if (rest.length === 0) throw usage('expected audio files or directories');
    return add(api, rest, idFrom, values.json ?? false);
  }
  if (sub === 'next') {
    if (rest.length > 0) throw usage(`unexpected argument '${rest[0]}'`);
    if (values['id-from'] !== undefined) throw usage('--id-from belongs to `catalog add`');
    return next(api, values.after, values.exclude, values.json ?? false);
  }
  throw usage(sub === undefined ? 'expected a subcommand: init, add or next' : `unknown subcommand '${sub}'`);
}

/** `catalog init`: an empty user catalogue for the bundle's model (src/model/user-catalog.ts). */
async function init(dir: string, bundleDir: string, json: boolean): Promise<void> {
  const bundle = await loadBundle(bundleDir); // a whole, valid bundle: its model is what the catalogue's factors will mean
  try {
    const m = initUserCatalog(dir, bundle);
    const serve = `earshot serve --catalog ${dir}${bundleDir === DEFAULT_BUNDLE_DIR ? '' : ` --bundle ${bundleDir}`}`;
    if (json) process.stdout.write(JSON.stringify({ event: 'created', catalog: path.resolve(dir), bundle: path.resolve(bundleDir), model: { sha256: m.model.sha256, factors: m.model.factors }, items: 0 }) + '\n');
    else process.stdout.write(`created an empty catalogue in ${dir} for the model of bundle ${bundleDir} (model.onnx sha256 ${m.model.sha256.slice(0, 12)}…, ${m.model.factors} factors)\nnext: ${serve}, then earshot catalog add <your music folder>\n`);
  } finally {
    await bundle.close();
  }
}

function usage(message: string): EarshotError {
  return new EarshotError('ERR_INVALID_ARGUMENT', `${message}\n${CATALOG_USAGE}`);
}

/** The engine's HTTP API: one place for the base URL, the token and the "is it running?" hint. */
class Api {
  readonly base: string;
  constructor(server: string, private readonly token: string | undefined) {
    let u: URL;
    try {
      u = new URL(server.replace(/^ws(s?):/, 'http$1:'));
    } catch {
      throw usage(`--server must be a URL, got '${server}'`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usage(`--server must be http(s):// or ws(s)://, got '${server}'`);
    this.base = u.origin;
  }

  /**
   * One request; a 503 from a busy engine (its analysis queue full: `Retry-After` seconds) is retried up
   * to BUSY_RETRIES times, so a library import shared with other clients loses no file.
   */
  async request(method: 'GET' | 'POST', pathAndQuery: string, body?: Blob): Promise<{ status: number; text: string }> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.once(method, pathAndQuery, body);
      if (r.status !== 503 || r.retryAfterS === null || attempt >= BUSY_RETRIES) return r;
      await new Promise((resolve) => setTimeout(resolve, r.retryAfterS! * 1000));
    }
  }

  private async once(method: 'GET' | 'POST', pathAndQuery: string, body?: Blob): Promise<{ status: number; text: string; retryAfterS: number | null }> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body) headers['content-type'] = 'application/octet-stream';
    let res: Response;
    try {
      res = await fetch(this.base + pathAndQuery, { method, headers, body });
    } catch (err) {
      // Unreachable engine: fail the whole command at once, not file by file.
      const why = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new EarshotError('ERR_IO', `cannot reach the engine at ${this.base}: ${why?.code ?? why?.message ?? (err as Error).message}${why?.code === 'ECONNREFUSED' ? ' (is `earshot serve` running there?)' : ''}`, { cause: err });
    }
    const retry = Number(res.headers.get('retry-after'));
    return { status: res.status, text: await res.text(), retryAfterS: Number.isFinite(retry) && retry >= 0 && res.headers.has('retry-after') ? Math.min(retry, 60) : null };
  }
}

/** Times `earshot catalog add` waits out an engine's 503 busy (Retry-After) for one file before reporting it failed. */
const BUSY_RETRIES = 10;

/** The server's `{"error":{code,message}}`, or the raw text when it is not that. */
function errorOf(status: number, text: string): { code: string; message: string } {
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (e?.code) return { code: e.code, message: e.message ?? '' };
  } catch {
    // not JSON: a proxy's page, say
  }
  return { code: `http_${status}`, message: text.trim().slice(0, 200) };
}

async function next(api: Api, after: string | undefined, exclude: string | undefined, json: boolean): Promise<void> {
  const q = new URLSearchParams({ format: json ? 'json' : 'text' });
  if (after !== undefined) q.set('after', after);
  if (exclude !== undefined) q.set('exclude', exclude);
  const { status, text } = await api.request('GET', `/v1/next?${q}`);
  if (status !== 200) {
    const e = errorOf(status, text);
    throw new EarshotError(status === 400 ? 'ERR_INVALID_ARGUMENT' : 'ERR_IO', `GET /v1/next: ${status} ${e.code}: ${e.message}`);
  }
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Files named on the command line as given; directories walked recursively (sorted, hidden entries skipped). */
export function collectAudioFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if ((e.isFile() || e.isSymbolicLink()) && AUDIO_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p);
    }
  };
  for (const input of inputs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(input);
    } catch (err) {
      throw new EarshotError('ERR_IO', `cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    // A file named explicitly is taken whatever its extension: the engine (ffmpeg) decides.
    if (st.isDirectory()) walk(input);
    else out.push(input);
  }
  return out.map((p) => path.resolve(p));
}

/** Artist and title: the file's tags when ffprobe finds them, else "Artist - Title" in the name, else the name. */
export async function describeFile(file: string): Promise<{ artist: string; title: string }> {
  const name = path.basename(file, path.extname(file));
  const dash = name.indexOf(' - ');
  const fromName = dash > 0 ? { artist: name.slice(0, dash).trim(), title: name.slice(dash + 3).trim() } : { artist: '', title: name };
  const tags = await probeTags(file);
  return { artist: tags.artist || fromName.artist, title: tags.title || fromName.title };
}

function probeTags(file: string): Promise<{ artist?: string; title?: string }> {
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'quiet', '-print_format', 'json', '-show_entries', 'format_tags:stream_tags', file], { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve({}); // no ffprobe, or a file it cannot read: the name will do (the engine reports real decode errors)
      try {
        const j = JSON.parse(stdout) as { format?: { tags?: Record<string, string> }; streams?: { tags?: Record<string, string> }[] };
        // ID3/MP4/FLAC tags are the container's, Ogg Vorbis/Opus comments the stream's; keys differ in case ("title", "TITLE").
        const raw = { ...(j.streams ?? []).reduce((a, st) => ({ ...st.tags, ...a }), {}), ...j.format?.tags };
        // Tags are the file's, not the user's words: control characters (a tab, a newline) become a space.
        const tags = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), String(v).replace(CONTROL_CHARACTERS, ' ').trim()]));
        resolve({ artist: tags.artist, title: tags.title });
      } catch {
        resolve({});
      }
    });
  });
}

interface Outcome {
  event: 'added' | 'duplicate' | 'failed';
  file: string;
  id: string;
}

async function add(api: Api, inputs: readonly string[], idFrom: 'name' | 'path', json: boolean): Promise<void> {
  const files = collectAudioFiles(inputs);
  if (files.length === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `no audio files (${[...AUDIO_EXTENSIONS].join(' ')}) under ${inputs.join(', ')}`);
  const emit = (line: Record<string, unknown>, text: string, toStderr = false): void => {
    if (json) process.stdout.write(JSON.stringify(line) + '\n');
    else (toStderr ? process.stderr : process.stdout).write(text + '\n');
  };
  const counts = { added: 0, duplicate: 0, failed: 0 };
  const invalid: string[] = []; // failures by the field rules: ERR_INVALID_ARGUMENT when they are all there is
  const firstFileOfId = new Map<string, string>();
  let items: number | undefined;
  const width = String(files.length).length;
  for (const [i, file] of files.entries()) {
    const tag = `[${String(i + 1).padStart(width)}/${files.length}]`;
    const id = idFrom === 'path' ? file : path.basename(file, path.extname(file));
    const done = (o: Outcome, extra: Record<string, unknown>, text: string, toStderr = false): void => {
      counts[o.event]++;
      emit({ ...o, ...extra }, `${tag} ${text}`, toStderr);
    };
    const clash = firstFileOfId.get(id);
    if (clash !== undefined) {
      // Two files of one name in different folders: the server would call it a duplicate; say why.
      done({ event: 'duplicate', file, id }, { same_id_as: clash }, `skipped ${file}: id '${id}' is also ${clash} (use --id-from path)`);
      continue;
    }
    firstFileOfId.set(id, file);
    let body: Blob;
    try {
      body = await fs.openAsBlob(file); // read as it is sent, not held whole in memory first
    } catch (err) {
      done({ event: 'failed', file, id }, { code: 'io', message: (err as Error).message }, `FAILED ${file}: ${(err as Error).message}`, true);
      continue;
    }
    const meta = await describeFile(file);
    // The engine's own field rules (src/catalog/item-fields.ts), checked before the upload: same message, no wasted analysis.
    const problem = itemFieldsProblem({ id, artist: meta.artist, title: meta.title, uri: file });
    if (problem) {
      done({ event: 'failed', file, id }, { code: 'ERR_INVALID_ARGUMENT', message: problem }, `FAILED ${file}: ${problem} [ERR_INVALID_ARGUMENT]`, true);
      invalid.push(problem);
      continue;
    }
    const q = new URLSearchParams({ id, artist: meta.artist, title: meta.title, uri: file });
    const t0 = performance.now();
    const { status, text } = await api.request('POST', `/v1/catalog?${q}`, body);
    const ms = Math.round(performance.now() - t0);
    if (status === 201) {
      const r = JSON.parse(text) as { tags?: { tag: string; p: number }[]; items?: number };
      items = r.items ?? items;
      const tags = (r.tags ?? []).map((t) => `${t.tag} ${t.p.toFixed(2)}`).join(', ');
      done({ event: 'added', file, id }, { artist: meta.artist, title: meta.title, tags: r.tags ?? [], items, ms }, `added ${id}${meta.artist ? ` (${meta.artist} – ${meta.title})` : ''} in ${ms} ms; tags: ${tags || '-'}`);
    } else if (status === 409) {
      done({ event: 'duplicate', file, id }, {}, `skipped ${id}: already in the catalogue`);
    } else {
      const e = errorOf(status, text);
      done({ event: 'failed', file, id }, { status, code: e.code, message: e.message }, `FAILED ${file}: ${status} ${e.code}: ${e.message}`, true);
    }
  }
  const summary = `${counts.added} added, ${counts.duplicate} skipped (already there), ${counts.failed} failed of ${files.length} files${items !== undefined ? `; the catalogue holds ${items} songs` : ''}`;
  emit({ event: 'summary', files: files.length, ...counts, ...(items !== undefined ? { items } : {}) }, summary);
  if (counts.failed > 0 && invalid.length === counts.failed) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', invalid.length === 1 ? invalid[0] : `${counts.failed} of ${files.length} files could not be added (their ids, names or paths break the catalogue's field rules)`);
  }
  if (counts.failed > 0) throw new EarshotError('ERR_IO', `${counts.failed} of ${files.length} files could not be added`);
}
