// restrictToSongs (trainer/pipeline/play-matrix.ts) against a brute-force reading of the same triples:
// every (user, song, count) on a kept song survives with its count, nothing else does; users left
// with no plays go; ids keep the file's order; both matrices are valid CSR and each other's transpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCsr, transpose } from '../../../trainer/data/csr';
import { fromTriples } from '../../../trainer/data/interactions';
import { mulberry32 } from '../../../trainer/eval/prng';
import { restrictToSongs } from '../../../trainer/pipeline/play-matrix';

test('restricting plays to songs with audio equals filtering the triples', () => {
  const rand = mulberry32(4);
  const u: string[] = [];
  const i: string[] = [];
  const c: number[] = [];
  for (let k = 0; k < 3000; k++) {
    u.push(`u${Math.floor(rand() * 200)}`);
    i.push(`s${Math.floor(rand() ** 2 * 120)}`);
    c.push(1 + Math.floor(rand() * 9));
  }
  // Two listeners of left-out songs only.
  u.push('only-dropped-1', 'only-dropped-2', 'only-dropped-2');
  i.push('s3', 's6', 's9');
  c.push(2, 1, 5);
  const all = fromTriples(u, i, c);
  const keep = (id: string) => Number(id.slice(1)) % 3 !== 0;
  const r = restrictToSongs(all, keep);

  // Brute force: summed counts per (user, song) of the kept songs.
  const want = new Map<string, number>();
  u.forEach((user, k) => {
    if (keep(i[k])) want.set(`${user} ${i[k]}`, (want.get(`${user} ${i[k]}`) ?? 0) + c[k]);
  });
  const got = new Map<string, number>();
  const m = r.data.byUser;
  for (let row = 0; row < m.rows; row++) for (let j = m.indptr[row]; j < m.indptr[row + 1]; j++) got.set(`${r.data.users[row]} ${r.data.items[m.indices[j]]}`, m.data[j]);
  assert.deepEqual(got, want);
  assert.equal(r.data.nnz, want.size);

  assert.deepEqual(r.data.items, all.items.filter(keep), 'songs keep the file order');
  assert.deepEqual(r.droppedSongs, all.items.filter((id) => !keep(id)));
  const withPlays = new Set([...want.keys()].map((k) => k.split(' ')[0]));
  assert.deepEqual(r.data.users, all.users.filter((id) => withPlays.has(id)), 'users with plays left, in order');
  assert.equal(r.droppedUsers, all.users.length - withPlays.size);
  assert.ok(!r.data.users.includes('only-dropped-1') && !r.data.users.includes('only-dropped-2'));
  checkCsr(r.data.byUser, 'byUser');
  checkCsr(r.data.byItem, 'byItem');
  assert.deepEqual(r.data.byItem, transpose(r.data.byUser));
  assert.equal(r.data.checksum, all.checksum, 'the input is still the same file');

  const same = restrictToSongs(all, () => true);
  assert.equal(same.data, all, 'nothing dropped: the very same matrix');
  assert.throws(() => restrictToSongs(all, () => false), /no plays are left on songs with audio/);
});
