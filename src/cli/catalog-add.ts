/**
 * `earshot catalog add`: a music library into a running engine's catalogue (POST /v1/catalog per file).
 * Several uploads are in flight at once (--jobs; the engine analyses them on its pool and saves them in
 * batches), tags come from the files in-process (src/audio/file-tags.ts; ffprobe only for containers it
 * does not read), the per-file lines come out in the files' order whatever order the answers arrive in,
 * and the rate and time left go to stderr (src/cli/progress.ts). A 503 busy is waited out per file.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileTags, type FileTags } from '../audio/file-tags';
import { CONTROL_CHARACTERS, itemFieldsProblem } from '../catalog/item-fields';
import { EarshotError } from '../errors';
import { AUDIO_EXTENSIONS, collectAudioFiles } from './audio-files';
import { errorOf, type Api } from './engine-api';
import { Progress } from './progress';

/** Uploads in flight by default: enough to keep a 2-core engine's idle pool busy while the next bodies travel. */
export const DEFAULT_ADD_JOBS = 4;

/** Tags are the file's, not the user's words: control characters (a tab, a newline) become a space. */
function clean(tags: FileTags): FileTags {
  const tidy = (v: string | undefined): string | undefined => (v === undefined ? undefined : v.replace(CONTROL_CHARACTERS, ' ').trim());
  return { artist: tidy(tags.artist), title: tidy(tags.title) };
}

/** Artist and title: the file's tags, else "Artist - Title" in the name, else the name. */
export async function describeFile(file: string): Promise<{ artist: string; title: string }> {
  const name = path.basename(file, path.extname(file));
  const dash = name.indexOf(' - ');
  const fromName = dash > 0 ? { artist: name.slice(0, dash).trim(), title: name.slice(dash + 3).trim() } : { artist: '', title: name };
  let own: FileTags | null;
  try {
    own = readFileTags(file);
  } catch {
    own = {}; // unreadable: the upload reports the real error
  }
  const tags = clean(own ?? (await probeTags(file)));
  return { artist: tags.artist || fromName.artist, title: tags.title || fromName.title };
}

/** ffprobe's artist and title, for the containers file-tags.ts does not read (MP4/M4A, AIFF, …). */
export function probeTags(file: string): Promise<FileTags> {
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'quiet', '-print_format', 'json', '-show_entries', 'format_tags:stream_tags', file], { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve({}); // no ffprobe, or a file it cannot read: the name will do (the engine reports real decode errors)
      try {
        const j = JSON.parse(stdout) as { format?: { tags?: Record<string, string> }; streams?: { tags?: Record<string, string> }[] };
        // ID3/MP4/FLAC tags are the container's, Ogg Vorbis/Opus comments the stream's; keys differ in case ("title", "TITLE").
        const raw = { ...(j.streams ?? []).reduce((a, st) => ({ ...st.tags, ...a }), {}), ...j.format?.tags };
        const tags = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), String(v)]));
        resolve({ artist: tags.artist, title: tags.title });
      } catch {
        resolve({});
      }
    });
  });
}

type Event = 'added' | 'duplicate' | 'failed';

/** One file's outcome: its JSON line (stdout with --json) and its text line (stdout, or stderr for failures). */
interface Line {
  event: Event;
  json: Record<string, unknown>;
  text: string;
  toStderr: boolean;
  items?: number;
  invalid?: string;
}

/** Uploads one file and says what happened (never throws for the file's own problems; an unreachable engine throws). */
async function addOne(api: Api, file: string, id: string): Promise<Line> {
  const line = (event: Event, extra: Record<string, unknown>, text: string, toStderr = false): Line => ({ event, json: { event, file, id, ...extra }, text, toStderr });
  try {
    fs.closeSync(fs.openSync(file, 'r')); // unreadable: this file fails, the import goes on (the upload streams it from disk)
  } catch (err) {
    return line('failed', { code: 'io', message: (err as Error).message }, `FAILED ${file}: ${(err as Error).message}`, true);
  }
  const meta = await describeFile(file);
  // The engine's own field rules (src/catalog/item-fields.ts), checked before the upload: same message, no wasted analysis.
  const problem = itemFieldsProblem({ id, artist: meta.artist, title: meta.title, uri: file });
  if (problem) return { ...line('failed', { code: 'ERR_INVALID_ARGUMENT', message: problem }, `FAILED ${file}: ${problem} [ERR_INVALID_ARGUMENT]`, true), invalid: problem };
  const q = new URLSearchParams({ id, artist: meta.artist, title: meta.title, uri: file });
  const t0 = performance.now();
  const { status, text } = await api.request('POST', `/v1/catalog?${q}`, file);
  const ms = Math.round(performance.now() - t0);
  if (status === 201) {
    const r = JSON.parse(text) as { tags?: { tag: string; p: number }[]; items?: number };
    const tags = (r.tags ?? []).map((t) => `${t.tag} ${t.p.toFixed(2)}`).join(', ');
    const out = line('added', { artist: meta.artist, title: meta.title, tags: r.tags ?? [], items: r.items, ms }, `added ${id}${meta.artist ? ` (${meta.artist} – ${meta.title})` : ''} in ${ms} ms; tags: ${tags || '-'}`);
    return { ...out, items: r.items };
  }
  if (status === 409) return line('duplicate', {}, `skipped ${id}: already in the catalogue`);
  const e = errorOf(status, text);
  return line('failed', { status, code: e.code, message: e.message }, `FAILED ${file}: ${status} ${e.code}: ${e.message}`, true);
}

export interface AddOptions {
  idFrom: 'name' | 'path';
  json: boolean;
  /** Uploads in flight at once (1: one file after another). */
  jobs: number;
  /** Rate and time left on stderr. */
  progress: boolean;
}

export async function addFiles(api: Api, inputs: readonly string[], o: AddOptions): Promise<void> {
  const files = collectAudioFiles(inputs);
  if (files.length === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `no audio files (${[...AUDIO_EXTENSIONS].join(' ')}) under ${inputs.join(', ')}`);
  const progress = o.progress ? new Progress(files.length) : null;
  const counts = { added: 0, duplicate: 0, failed: 0 };
  const invalid: string[] = []; // failures by the field rules: ERR_INVALID_ARGUMENT when they are all there is
  let items: number | undefined;
  const width = String(files.length).length;
  const emit = (json: Record<string, unknown>, text: string, toStderr = false): void => {
    progress?.clear();
    if (o.json) process.stdout.write(JSON.stringify(json) + '\n');
    else (toStderr ? process.stderr : process.stdout).write(text + '\n');
  };
  // Ids first, in the files' order: two files of one name in different folders would be a duplicate at
  // the server, whichever arrived first; the later file is skipped here, saying why.
  const firstFileOfId = new Map<string, string>();
  const work = files.map((file) => {
    const id = o.idFrom === 'path' ? file : path.basename(file, path.extname(file));
    const clash = firstFileOfId.get(id);
    if (clash === undefined) firstFileOfId.set(id, file);
    return { file, id, clash };
  });
  const results: (Line | undefined)[] = new Array(files.length);
  let printed = 0;
  const flush = (): void => {
    // In the files' order: a file's line waits for the files before it.
    for (; printed < files.length && results[printed]; printed++) {
      const r = results[printed]!;
      counts[r.event]++;
      if (r.items !== undefined) items = Math.max(items ?? 0, r.items); // answers arrive out of order; the catalogue only grows
      if (r.invalid) invalid.push(r.invalid);
      emit(r.json, `[${String(printed + 1).padStart(width)}/${files.length}] ${r.text}`, r.toStderr);
      results[printed] = undefined; // printed: let its memory go
    }
  };
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < work.length) {
      const i = nextIndex++;
      const { file, id, clash } = work[i];
      results[i] =
        clash !== undefined
          ? { event: 'duplicate', json: { event: 'duplicate', file, id, same_id_as: clash }, text: `skipped ${file}: id '${id}' is also ${clash} (use --id-from path)`, toStderr: false }
          : await addOne(api, file, id);
      progress?.tick();
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, work.length) }, worker));
  progress?.finish();
  const summary = `${counts.added} added, ${counts.duplicate} skipped (already there), ${counts.failed} failed of ${files.length} files${items !== undefined ? `; the catalogue holds ${items} songs` : ''}`;
  emit({ event: 'summary', files: files.length, ...counts, ...(items !== undefined ? { items } : {}) }, summary);
  if (counts.failed > 0 && invalid.length === counts.failed) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', invalid.length === 1 ? invalid[0] : `${counts.failed} of ${files.length} files could not be added (their ids, names or paths break the catalogue's field rules)`);
  }
  if (counts.failed > 0) throw new EarshotError('ERR_IO', `${counts.failed} of ${files.length} files could not be added`);
}
