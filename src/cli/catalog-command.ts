/**
 * `earshot catalog init|add|next|remove|set`: creates a user catalogue for a model (docs/catalog.md), grows
 * a running engine's catalogue from audio files (POST /v1/catalog), asks it for the next track (GET
 * /v1/next), takes songs out (DELETE /v1/catalog) and corrects their artist, title or uri (PATCH), so a
 * DJ's or a station's music folder becomes recommendable with a few commands and shell scripts can
 * auto-DJ without an HTTP client of their own.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { EarshotError } from '../errors';
import { loadBundle } from '../model/bundle';
import { initUserCatalog } from '../model/user-catalog';
import { choiceArg, intArg } from './args';
import { AUDIO_EXTENSIONS } from './audio-files';
import { addFiles, DEFAULT_ADD_JOBS } from './catalog-add';
import { DEFAULT_BUNDLE_DIR } from './default-bundle';
import { Api, refusedError } from './engine-api';

export const CATALOG_USAGE = `usage: earshot catalog init <dir> [--bundle <dir>] [--json]
       earshot catalog add <audio files or directories…> [options]
       earshot catalog next [--after ID] [--exclude ID,ID] [--json] [options]
       earshot catalog remove <id>… [--json] [options]
       earshot catalog set <id> [--artist A] [--title T] [--uri U | --no-uri] [--json] [options]
  init: creates an empty catalogue of your own songs in <dir> (new or empty), tied to the bundle's model
        (default: the package's models/default); serve it with earshot serve --catalog <dir>: only its
        songs are suggested, and the songs added are saved in it. Another model refuses it.
  add:  predicts each file's factors on a running engine and adds it to the catalogue it serves (saved
        in its --catalog, else in the bundle); directories are searched recursively for ${[...AUDIO_EXTENSIONS].join(' ')}.
        The id is the file name without extension (--id-from path: the absolute path), artist and title
        come from the file's tags (read in-process for WAV, MP3, Ogg, Opus and FLAC; ffprobe for the
        others) or its name ("Artist - Title.mp3"), the uri is the absolute path (what GET /v1/next
        answers to radio automation). Ids already in the catalogue are skipped. Several files are sent
        at once (--jobs); the lines come in the files' order; the rate and time left go to stderr.
        Exit status 1 if any file failed.
  next: prints the next track after ID (the most similar song not answered recently; without --after:
        a random one): its uri (or id), or with --json {id, artist, title, uri}.
  remove: takes the songs out of the catalogue (saved; no stream suggests them once this answers); one
        line per id. Exit status 1 if any id was not in the catalogue.
  set:  changes a song's artist, title or uri (--no-uri: it has none) and prints the song as stored.
        Exit status 1 for an id not in the catalogue, 2 for a value the catalogue refuses.
  --server <url>     engine address (default http://127.0.0.1:8765; ws:// is accepted too)
  --token <token>    access token (default: $EARSHOT_TOKEN)
  --id-from <how>    add: name (default) or path
  --jobs <n>         add: uploads in flight at once (default ${DEFAULT_ADD_JOBS}; 1: one file after another)
  --no-progress      add: no rate / time-left line on stderr
  --bundle <dir>     init: the model the catalogue is for (default: the package's models/default)
  --artist/--title/--uri <text>, --no-uri   set: the fields to change
  --json             add: one JSON line per file and a summary line; next, set: the JSON answer;
                     remove: one JSON line per id`;

/** The options each subcommand takes (any other is a usage error naming it). */
const OPTIONS_OF: Record<string, readonly string[]> = {
  init: ['bundle', 'json'],
  add: ['server', 'token', 'json', 'id-from', 'jobs', 'no-progress'],
  next: ['server', 'token', 'json', 'after', 'exclude'],
  remove: ['server', 'token', 'json'],
  set: ['server', 'token', 'json', 'artist', 'title', 'uri', 'no-uri'],
};

const DEFAULT_SERVER = 'http://127.0.0.1:8765';

export async function catalogCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' },
      'id-from': { type: 'string' }, after: { type: 'string' }, exclude: { type: 'string' }, bundle: { type: 'string' },
      jobs: { type: 'string' }, 'no-progress': { type: 'boolean' },
      artist: { type: 'string' }, title: { type: 'string' }, uri: { type: 'string' }, 'no-uri': { type: 'boolean' },
    },
  });
  const [sub, ...rest] = positionals;
  if (sub === undefined || !Object.hasOwn(OPTIONS_OF, sub)) throw usage(sub === undefined ? 'expected a subcommand: init, add, next, remove or set' : `unknown subcommand '${sub}'`);
  const stray = Object.keys(values).find((o) => !OPTIONS_OF[sub].includes(o));
  if (stray) throw usage(`--${stray} does not belong to \`catalog ${sub}\``);
  if (sub === 'init') {
    if (rest.length !== 1) throw usage(`catalog init expects one directory, got ${rest.length}`);
    return init(rest[0], values.bundle ?? DEFAULT_BUNDLE_DIR, values.json ?? false);
  }
  const api = new Api(values.server ?? DEFAULT_SERVER, values.token ?? process.env.EARSHOT_TOKEN, usage);
  if (sub === 'add') {
    const idFrom = choiceArg('id-from', values['id-from'], ['name', 'path']) ?? 'name';
    if (rest.length === 0) throw usage('expected audio files or directories');
    const jobs = intArg('jobs', values.jobs, 1, 64) ?? DEFAULT_ADD_JOBS;
    try {
      return await addFiles(api, rest, { idFrom, json: values.json ?? false, jobs, progress: !values['no-progress'] });
    } finally {
      api.close();
    }
  }
  if (sub === 'next') {
    if (rest.length > 0) throw usage(`unexpected argument '${rest[0]}'`);
    try {
      return await next(api, values.after, values.exclude, values.json ?? false);
    } finally {
      api.close();
    }
  }
  try {
    if (sub === 'remove') return await remove(api, rest, values.json ?? false);
    return await set(api, rest, values, values.json ?? false);
  } finally {
    api.close();
  }
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

async function next(api: Api, after: string | undefined, exclude: string | undefined, json: boolean): Promise<void> {
  const q = new URLSearchParams({ format: json ? 'json' : 'text' });
  if (after !== undefined) q.set('after', after);
  if (exclude !== undefined) q.set('exclude', exclude);
  const { status, text } = await api.request('GET', `/v1/next?${q}`);
  if (status !== 200) throw refusedError('GET', '/v1/next', status, text);
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/**
 * `catalog remove`: DELETE /v1/catalog for each id, one after another (each answered once saved), a line
 * each; an id the engine does not know is reported and the rest go on (exit 1 at the end); an engine
 * that cannot be reached or fails otherwise stops the command.
 */
async function remove(api: Api, ids: string[], json: boolean): Promise<void> {
  if (ids.length === 0) throw usage('catalog remove expects one or more ids');
  const empty = ids.findIndex((id) => id === '');
  if (empty >= 0) throw usage(`id ${empty + 1} is empty`);
  let missing = 0;
  for (const id of ids) {
    const { status, text } = await api.request('DELETE', `/v1/catalog?${new URLSearchParams({ id })}`);
    if (status === 200) {
      const { items } = JSON.parse(text) as { items: number };
      process.stdout.write(json ? JSON.stringify({ event: 'removed', id, items }) + '\n' : `removed ${id} (${items} songs left)\n`);
      continue;
    }
    const err = refusedError('DELETE', '/v1/catalog', status, text);
    if (status !== 404) throw err;
    missing++;
    if (json) process.stdout.write(JSON.stringify({ event: 'failed', id, status, message: err.message }) + '\n');
    else process.stderr.write(`earshot catalog remove: ${id}: not in the catalogue\n`);
  }
  if (missing > 0) throw new EarshotError('ERR_UNKNOWN_ID', `${missing} of ${ids.length} ids were not in the catalogue`);
}

/** `catalog set`: PATCH /v1/catalog with the fields given; prints the song as stored. */
async function set(api: Api, rest: string[], o: { artist?: string; title?: string; uri?: string; 'no-uri'?: boolean }, json: boolean): Promise<void> {
  if (rest.length !== 1 || rest[0] === '') throw usage(`catalog set expects one id, got ${rest.length === 1 ? 'an empty one' : rest.length}`);
  if (o.uri !== undefined && o['no-uri']) throw usage('--uri and --no-uri exclude each other');
  if (o.uri === '') throw usage('--uri must not be empty (--no-uri removes it)');
  const q = new URLSearchParams({ id: rest[0] });
  if (o.artist !== undefined) q.set('artist', o.artist);
  if (o.title !== undefined) q.set('title', o.title);
  if (o.uri !== undefined || o['no-uri']) q.set('uri', o.uri ?? '');
  if ([...q.keys()].length === 1) throw usage('catalog set expects --artist, --title, --uri or --no-uri');
  const { status, text } = await api.request('PATCH', `/v1/catalog?${q}`);
  if (status !== 200) throw refusedError('PATCH', '/v1/catalog', status, text);
  const it = JSON.parse(text) as { id: string; artist: string; title: string; uri: string | null };
  process.stdout.write(json ? JSON.stringify({ id: it.id, artist: it.artist, title: it.title, uri: it.uri }) + '\n' : `${it.id}: ${it.artist || '(no artist)'} - ${it.title}${it.uri ? ` (${it.uri})` : ''}\n`);
}
