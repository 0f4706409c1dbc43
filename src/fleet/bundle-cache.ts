/**
 * The replicas' bundle cache (`--fleet-cache DIR`): each revision a replica loads is written into its
 * own `<revision prefix>-XXXXXX/` directory there, marked with the pid of the process that wrote it. A
 * replica that exits without cleaning up (kill -9, a crash, a host that reuses DIR across restarts)
 * would leave a full bundle copy behind each time; at start the replica removes those whose writer is
 * gone, keeping the newest (with its own, the two newest revisions), and never touches a live one's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file in a revision directory that names the process using it. */
const OWNER_FILE = 'owner.pid';
/** A revision directory's name: the revision's first 12 hex digits and mkdtemp's suffix. */
const REVISION_DIR = /^[0-9a-f]{12}-[A-Za-z0-9]{6}$/;

/** Marks `dir` (a revision directory) as this process's. */
export function markOwner(dir: string): void {
  fs.writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // another user's live process
  }
}

/** Removes the revision directories left by processes that are gone, but the newest of them; returns the removed names. */
export function pruneCache(cacheDir: string): string[] {
  const left = fs
    .readdirSync(cacheDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && REVISION_DIR.test(e.name))
    .map((e) => path.join(cacheDir, e.name))
    .filter((d) => {
      const pid = fs.existsSync(path.join(d, OWNER_FILE)) ? Number(fs.readFileSync(path.join(d, OWNER_FILE), 'utf8')) : 0;
      return !alive(pid);
    })
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  for (const d of left.slice(1)) fs.rmSync(d, { recursive: true, force: true });
  return left.slice(1).map((d) => path.basename(d));
}
