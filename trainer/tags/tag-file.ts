/**
 * Item tags for the tag experiment: Last.fm HetRec `user_taggedartists.dat` (header, then
 * `userID artistID tagID day month year`, tab-separated; names from `tags.dat`: `tagID tagValue`), or
 * plain `item<TAB>tag` pairs. An item carries a tag if anyone applied it; the most frequent tags are
 * those on the most distinct items.
 */
import * as fs from 'node:fs';
import { EarshotError } from '../../src/errors';

export type TagFormat = 'hetrec' | 'pairs';

/** item id → set of tag names. */
export type ItemTags = Map<string, Set<string>>;

function lines(path: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path, 'latin1');
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  return text.split(/\r?\n/);
}

function formatError(path: string, line: number, msg: string): never {
  throw new EarshotError('ERR_TRIPLETS_FORMAT', `${path}:${line}: ${msg}`);
}

export function readItemTags(path: string, format: TagFormat, tagNamesPath?: string): ItemTags {
  const out: ItemTags = new Map();
  const add = (item: string, tag: string) => {
    let s = out.get(item);
    if (!s) out.set(item, (s = new Set()));
    s.add(tag);
  };
  const rows = lines(path);
  if (format === 'pairs') {
    rows.forEach((l, k) => {
      if (l.trim() === '') return;
      const f = l.split('\t');
      if (f.length !== 2 || !f[0] || !f[1]) formatError(path, k + 1, `expected item<TAB>tag, got "${l.slice(0, 80)}"`);
      add(f[0], f[1]);
    });
  } else {
    if (!/^userID\tartistID\ttagID/.test(rows[0] ?? '')) formatError(path, 1, 'missing the HetRec header "userID<TAB>artistID<TAB>tagID..."');
    const names = new Map<string, string>();
    if (tagNamesPath) {
      lines(tagNamesPath).slice(1).forEach((l) => {
        const tab = l.indexOf('\t');
        if (tab > 0) names.set(l.slice(0, tab), l.slice(tab + 1));
      });
    }
    for (let k = 1; k < rows.length; k++) {
      if (rows[k].trim() === '') continue;
      const f = rows[k].split('\t');
      if (f.length < 3 || !f[1] || !f[2]) formatError(path, k + 1, `expected userID, artistID, tagID..., got "${rows[k].slice(0, 80)}"`);
      add(f[1], names.get(f[2]) ?? `tag${f[2]}`);
    }
  }
  if (out.size === 0) throw new EarshotError('ERR_TRIPLETS_EMPTY', `${path}: no tags`);
  return out;
}

/**
 * The `top` tags by number of items among `items` (row order), as row-index lists; ties broken by
 * tag name so the choice is reproducible.
 */
export function topTags(tags: ItemTags, items: readonly string[], top: number): { tag: string; items: Int32Array }[] {
  const rowsOf = new Map<string, number[]>();
  items.forEach((id, row) => {
    for (const t of tags.get(id) ?? []) {
      let l = rowsOf.get(t);
      if (!l) rowsOf.set(t, (l = []));
      l.push(row);
    }
  });
  return [...rowsOf.entries()]
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([tag, r]) => ({ tag, items: Int32Array.from(r) }));
}
