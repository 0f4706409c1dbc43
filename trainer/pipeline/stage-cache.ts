/**
 * Where the pipeline's stages keep their results, so that an interrupted or repeated run recomputes
 * only what changed. Each stage runs in `<work>/<stage>-<hash>/`, the hash (16 hex digits of SHA-256)
 * taken over the stage's name, a version string (bumped when the stage's algorithm or files change)
 * and its inputs: the hashes of the stages it reads, the training data's input hashes and every option
 * that changes its result. So changing one option gives new folders to that stage and every stage
 * downstream of it (their inputs hold its hash), and leaves the upstream ones as they are.
 *
 * A stage's folder is finished when it holds `done.json` (written last, atomically, with the stage's
 * small JSON result): then it is reused as it is, compute is not called. A folder without done.json
 * was interrupted: compute runs again in it and is told so (`resumed`), which lets a stage continue
 * from what it left there (the CNN's per-epoch checkpoints); other stages simply overwrite their files.
 * Folders of other hashes stay (changing an option back reuses them); delete the work folder to free
 * the space. One run per work folder at a time.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';

/** The file whose presence marks a finished stage folder. */
export const DONE_FILE = 'done.json';

export interface StageKey {
  /** Names the folder: lower case letters, digits and '-'. */
  name: string;
  /** Bumped when what the stage computes or writes changes, so old folders are not reused. */
  version: string;
  /** Upstream stage hashes, input hashes and options: plain JSON (key order does not matter). */
  inputs: Record<string, unknown>;
}

export interface StageRun<T> {
  name: string;
  hash: string;
  dir: string;
  /** The folder was finished before: compute was not called. */
  reused: boolean;
  /** Compute time of this run (0 when reused). */
  seconds: number;
  result: T;
}

interface DoneRecord<T> {
  stage: string;
  version: string;
  hash: string;
  inputs: Record<string, unknown>;
  result: T;
  /** Compute time of the run that finished the folder, s. */
  seconds: number;
  finishedAt: string;
}

/** JSON with object keys sorted at every depth: the same inputs always hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    if (ArrayBuffer.isView(value)) throw new EarshotError('ERR_INVALID_ARGUMENT', 'stage inputs must be plain JSON (hash large arrays first)');
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new EarshotError('ERR_INVALID_ARGUMENT', `stage inputs must be finite numbers, got ${value}`);
  return JSON.stringify(value) ?? 'null';
}

/** The stage's hash: 16 hex digits (64 bits) of SHA-256 over its name, version and canonical inputs. */
export function stageHash(key: StageKey): string {
  if (!/^[a-z0-9-]+$/.test(key.name)) throw new EarshotError('ERR_INVALID_ARGUMENT', `stage name must be lower case letters, digits and '-', got ${JSON.stringify(key.name)}`);
  return crypto.createHash('sha256').update(canonicalJson({ stage: key.name, version: key.version, inputs: key.inputs })).digest('hex').slice(0, 16);
}

/**
 * Hex SHA-256 of strings, each ended by NUL, for stage inputs: `digestOf(a, b)` or, for lists as long
 * as a catalogue, `digestOf(ids)` — an array or any iterable is taken whole, never spread into
 * arguments (a spread of ~110,000 strings overflows V8's stack).
 */
export function digestOf(...parts: (string | Iterable<string>)[]): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) {
    if (typeof p === 'string') h.update(p).update('\0');
    else for (const q of p) h.update(q).update('\0');
  }
  return h.digest('hex');
}

function readDone<T>(file: string, hash: string): DoneRecord<T> | null {
  let record: DoneRecord<T>;
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8')) as DoneRecord<T>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new EarshotError('ERR_IO', `cannot read ${file}: ${(err as Error).message} (delete its folder to recompute the stage)`, { cause: err });
  }
  if (record.hash !== hash) throw new EarshotError('ERR_IO', `${file} belongs to stage hash ${record.hash}, not ${hash} (delete its folder to recompute the stage)`);
  return record;
}

/**
 * Runs one stage in its folder under `work`, or reuses the folder when it is finished. `compute` writes
 * the stage's files into `dir` and returns its small JSON result (kept in done.json and returned as is
 * when the folder is reused, so it must survive JSON.stringify/parse).
 */
export async function runStage<T>(work: string, key: StageKey, compute: (dir: string, resumed: boolean) => Promise<T>): Promise<StageRun<T>> {
  const hash = stageHash(key);
  const dir = path.join(path.resolve(work), `${key.name}-${hash}`);
  const doneFile = path.join(dir, DONE_FILE);
  const done = readDone<T>(doneFile, hash);
  if (done) return { name: key.name, hash, dir, reused: true, seconds: 0, result: done.result };
  const resumed = fs.existsSync(dir);
  fs.mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const result = await compute(dir, resumed);
  const seconds = (performance.now() - t0) / 1e3;
  const record: DoneRecord<T> = { stage: key.name, version: key.version, hash, inputs: key.inputs, result, seconds, finishedAt: new Date().toISOString() };
  writeFileAtomic(doneFile, Buffer.from(JSON.stringify(record, null, 1) + '\n'));
  return { name: key.name, hash, dir, reused: false, seconds, result };
}
