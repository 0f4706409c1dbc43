/** Writes a users x items matrix as Taste-Profile triplets (`user<TAB>item<TAB>count` per line). */
import * as fs from 'node:fs';
import type { Csr } from './csr';

export async function writeTriplets(path: string, m: Csr, users: readonly string[], items: readonly string[]): Promise<void> {
  const out = fs.createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  let buf = '';
  for (let u = 0; u < m.rows; u++) {
    for (let j = m.indptr[u]; j < m.indptr[u + 1]; j++) buf += `${users[u]}\t${items[m.indices[j]]}\t${m.data[j]}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await done;
}
