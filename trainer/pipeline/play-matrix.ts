/**
 * The play matrix the pipeline trains on: the plays file's matrix restricted to the songs that have
 * features (audio that decoded), since the CNN can learn only from songs it can hear and the evaluation
 * must predict every held-out song from its audio. Users left with no plays are dropped too (WMF would
 * give them zero factors and they would only dilute the evaluation). Songs and users keep their order
 * from the file, so when nothing is dropped the matrix is the file's, bit for bit.
 */
import { EarshotError } from '../../src/errors';
import { transpose } from '../data/csr';
import type { Interactions } from '../data/interactions';

export interface RestrictedPlays {
  data: Interactions;
  /** Ids of songs with plays that were dropped (no audio, or audio that did not decode), file order. */
  droppedSongs: string[];
  /** Users whose every play was on a dropped song. */
  droppedUsers: number;
}

/** `data` without the songs for which keep(id) is false; the same object when every song is kept. */
export function restrictToSongs(data: Interactions, keep: (id: string) => boolean): RestrictedPlays {
  const newItem = new Int32Array(data.items.length).fill(-1);
  const items: string[] = [];
  const droppedSongs: string[] = [];
  data.items.forEach((id, i) => {
    if (keep(id)) newItem[i] = items.push(id) - 1;
    else droppedSongs.push(id);
  });
  if (droppedSongs.length === 0) return { data, droppedSongs, droppedUsers: 0 };
  const m = data.byUser;
  // Two passes over the rows (count, then fill) into typed arrays: at Taste-Profile size (48M plays)
  // JS number arrays would cost ~0.8 GB more than the matrix itself.
  let kept = 0;
  for (let j = 0; j < m.indices.length; j++) if (newItem[m.indices[j]] >= 0) kept++;
  if (kept === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', 'no plays are left on songs with audio');
  const indices = new Int32Array(kept);
  const counts = new Float32Array(kept);
  const indptr = [0];
  const users: string[] = [];
  let w = 0;
  for (let u = 0; u < m.rows; u++) {
    const before = w;
    for (let j = m.indptr[u]; j < m.indptr[u + 1]; j++) {
      const i = newItem[m.indices[j]];
      if (i < 0) continue;
      indices[w] = i; // old column order is kept, so columns stay sorted
      counts[w++] = m.data[j];
    }
    if (w === before) continue;
    users.push(data.users[u]);
    indptr.push(w);
  }
  const byUser = { indptr: Int32Array.from(indptr), indices, data: counts, rows: users.length, cols: items.length };
  const restricted: Interactions = { ...data, users, items, byUser, byItem: transpose(byUser), nnz: kept };
  return { data: restricted, droppedSongs, droppedUsers: data.users.length - users.length };
}
