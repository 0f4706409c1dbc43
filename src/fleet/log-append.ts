/**
 * Sends one catalogue change to the fleet's log (the earshotAppendChange script, ./fleet-scripts.ts):
 * a change no replica could apply is refused before it enters the log for good, and the script's
 * refusals (duplicate id, unknown id, model changed) become the errors the HTTP routes answer with.
 * Waiting for the change to be applied here is FleetReplica.write's part (./fleet-replica.ts).
 */
import { DuplicateIdError, UnknownIdError } from '../catalog/catalog';
import type { CatalogChange } from '../catalog/catalog-change';
import { checkItemFields } from '../catalog/item-fields';
import { patchItem } from '../catalog/song-table';
import { EarshotError } from '../errors';
import type { FleetKeys } from './fleet-keys';
import { changeFields } from './log-entry';
import { redisFailure, runScript, type FleetRedis } from './redis-connection';
import type { RedisTarget } from './redis-url';

/** Where a change went in the log: its entry number and Stream id (Redis time of the XADD). */
export interface AppendedEntry {
  seq: number;
  streamId: string;
}

/**
 * Refuses (ERR_INVALID_ARGUMENT) a change that every replica would fail to apply — a field the catalogue
 * rules refuse, factors of another length or not finite — before it enters the log for good.
 */
export function checkChange(change: CatalogChange, dims: number): void {
  if (change.op === 'add') {
    checkItemFields(change.item);
    const f = change.factors;
    if (!(f instanceof Float32Array) || f.length !== dims) throw new EarshotError('ERR_INVALID_ARGUMENT', `song ${change.item.id} has ${f?.length} factors; the catalogue has ${dims}`);
    for (let i = 0; i < f.length; i++) if (!Number.isFinite(f[i])) throw new EarshotError('ERR_INVALID_ARGUMENT', `song ${change.item.id}: factor ${i} is ${f[i]}`);
  } else if (change.op === 'meta') {
    patchItem({ id: change.id, artist: '', title: 'x' }, change.patch); // the patch's own values, by the rules an update applies
  } else if (change.op !== 'remove') {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `op must be add, remove or meta, got ${String((change as { op: unknown }).op)}`);
  }
}

/**
 * Appends a checked change, its factors (of an add) in factor space `space`; resolves once Redis has
 * answered (its append-only file holds the entry: checkDurability, at join). The script checks the id against the fleet's id set and the space against the fleet's
 * model in the same step, so two replicas adding one id get one entry and one 409.
 */
export async function appendChange(cmd: FleetRedis, keys: FleetKeys, target: RedisTarget, space: string, change: CatalogChange): Promise<AppendedEntry> {
  const id = change.op === 'add' ? change.item.id : change.id;
  try {
    const reply = (await runScript(cmd, 'earshotAppendChange', [keys.ids, keys.log, keys.seq, keys.space], [change.op, id, change.op === 'add' ? space : '', ...changeFields(change, space)])) as [string, number];
    return { seq: Number(reply[1]), streamId: String(reply[0]) };
  } catch (err) {
    const m = (err as Error).message ?? '';
    if (m.includes('EARSHOT_DUPLICATE_ID')) throw new DuplicateIdError(id, `id ${JSON.stringify(id)} is already in the fleet's catalogue`);
    if (m.includes('EARSHOT_UNKNOWN_ID')) throw new UnknownIdError(id, `id ${JSON.stringify(id)} is not in the fleet's catalogue`);
    if (m.includes('EARSHOT_MODEL_CHANGED')) throw new EarshotError('ERR_FLEET_UNAVAILABLE', `the fleet's model changed while song ${JSON.stringify(id)} was analysed; send it again`);
    // Unreachable, timed out, or the connection dropped before the answer: the change may or may not be in the log (a retry of an add then gets 409).
    throw redisFailure(err, target.display, `the fleet's Redis (${target.display}) did not confirm the change`);
  }
}

/** Stream id a ("ms-n") comes after b. */
export function streamIdAfter(a: string, b: string): boolean {
  const [am, an] = a.split('-').map(Number);
  const [bm, bn] = b.split('-').map(Number);
  return am > bm || (am === bm && an > bn);
}
