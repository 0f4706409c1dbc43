/**
 * A trained WMF model on disk (part of the model bundle later):
 *   item_factors.npy, user_factors.npy  float32, C order (rows x factors)
 *   items.txt, users.txt                one id per line, in row order
 *   wmf.json                            hyperparameters, loss per iteration, input checksum, timings
 * Written into a temporary sibling directory and renamed into place, so a crash never leaves a
 * half-written model under the final name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { readNpy, writeNpy } from '../../src/io/npy';
import type { WmfModel } from './train';

export interface WmfManifest {
  format: 'earshot-wmf';
  version: 1;
  factors: number;
  users: number;
  items: number;
  options: WmfModel['options'];
  iterations: WmfModel['iterations'];
  input: { path: string; format: string; sha256: string; nnz: number };
  holdout: { kind: 'none' | 'interactions' | 'cold-start'; fraction: number; seed: number; testNnz: number } ;
  timings: { loadS: number; trainS: number };
  command: string;
}

export async function saveWmfModel(dir: string, model: WmfModel, users: readonly string[], items: readonly string[], manifest: WmfManifest,
  extra?: (tmpDir: string) => Promise<void>): Promise<void> {
  const final = path.resolve(dir);
  if (fs.existsSync(final) && fs.readdirSync(final).length > 0) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `output directory ${final} exists and is not empty; choose another --out`);
  }
  const tmp = `${final}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    writeNpy(path.join(tmp, 'user_factors.npy'), model.userFactors, [users.length, model.factors]);
    writeNpy(path.join(tmp, 'item_factors.npy'), model.itemFactors, [items.length, model.factors]);
    fs.writeFileSync(path.join(tmp, 'users.txt'), users.join('\n') + '\n');
    fs.writeFileSync(path.join(tmp, 'items.txt'), items.join('\n') + '\n');
    fs.writeFileSync(path.join(tmp, 'wmf.json'), JSON.stringify(manifest, null, 2) + '\n');
    if (extra) await extra(tmp);
    if (fs.existsSync(final)) fs.rmdirSync(final);
    fs.renameSync(tmp, final);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

export interface LoadedWmfModel {
  manifest: WmfManifest;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  users: string[];
  items: string[];
}

function readLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return text.length === 0 ? [] : text.replace(/\n$/, '').split('\n');
}

export function loadWmfModel(dir: string): LoadedWmfModel {
  const need = (f: string) => {
    const p = path.join(dir, f);
    if (!fs.existsSync(p)) throw new EarshotError('ERR_IO', `${dir} is not a WMF model: ${f} is missing`);
    return p;
  };
  const manifest = JSON.parse(fs.readFileSync(need('wmf.json'), 'utf8')) as WmfManifest;
  if (manifest.format !== 'earshot-wmf') throw new EarshotError('ERR_INVALID_ARGUMENT', `${dir}/wmf.json is not an earshot WMF manifest`);
  const u = readNpy(need('user_factors.npy'));
  const v = readNpy(need('item_factors.npy'));
  const users = readLines(need('users.txt'));
  const items = readLines(need('items.txt'));
  const f = manifest.factors;
  if (!(u.data instanceof Float32Array) || !(v.data instanceof Float32Array) || u.shape[0] !== users.length || v.shape[0] !== items.length || u.shape[1] !== f || v.shape[1] !== f) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `${dir}: factor files do not match users.txt/items.txt/factors (${u.shape} / ${v.shape}, ${users.length} users, ${items.length} items, ${f} factors)`);
  }
  return { manifest, userFactors: u.data, itemFactors: v.data, users, items };
}
