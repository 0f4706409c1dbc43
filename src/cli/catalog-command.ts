/**
 * `earshot catalog init|add|next`: creates a user catalogue for a model (docs/catalog.md), grows a
 * running engine's catalogue from audio files (POST /v1/catalog) and asks it for the next track (GET
 * /v1/next), so a DJ's or a station's music folder becomes recommendable with a few commands and shell
 * scripts can auto-DJ without an HTTP client of their own.
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
import { Api, errorOf } from './engine-api';

export const CATALOG_USAGE = `usage: earshot catalog init <dir> [--bundle <dir>] [--json]
       earshot catalog add <audio files or directories…> [options]
       earshot catalog next [--after ID] [--exclude ID,ID] [--json] [options]
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
  --server <url>     engine address (default http://127.0.0.1:8765; ws:// is accepted too)
  --token <token>    access token (default: $EARSHOT_TOKEN)
  --id-from <how>    add: name (default) or path
  --jobs <n>         add: uploads in flight at once (default ${DEFAULT_ADD_JOBS}; 1: one file after another)
  --no-progress      add: no rate / time-left line on stderr
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
      jobs: { type: 'string' }, 'no-progress': { type: 'boolean' },
    },
  });
  const [sub, ...rest] = positionals;
  if (sub === 'init') {
    const stray = (['server', 'token', 'id-from', 'after', 'exclude', 'jobs', 'no-progress'] as const).find((o) => values[o] !== undefined);
    if (stray) throw usage(`--${stray} does not belong to \`catalog init\``);
    if (rest.length !== 1) throw usage(`catalog init expects one directory, got ${rest.length}`);
    return init(rest[0], values.bundle ?? DEFAULT_BUNDLE_DIR, values.json ?? false);
  }
  if (values.bundle !== undefined) throw usage('--bundle belongs to `catalog init` (the engine serving the catalogue has its own)');
  const api = new Api(values.server ?? DEFAULT_SERVER, values.token ?? process.env.EARSHOT_TOKEN, usage);
  if (sub === 'add') {
    if (values.after !== undefined || values.exclude !== undefined) throw usage('--after/--exclude belong to `catalog next`');
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
    const addOnly = (['id-from', 'jobs', 'no-progress'] as const).find((o) => values[o] !== undefined);
    if (addOnly) throw usage(`--${addOnly} belongs to \`catalog add\``);
    try {
      return await next(api, values.after, values.exclude, values.json ?? false);
    } finally {
      api.close();
    }
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
