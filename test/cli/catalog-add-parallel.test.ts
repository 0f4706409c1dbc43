// `earshot catalog add --jobs 4` (uploads in flight, analyses on every core, group commit) against the
// old one-file-after-another path (--jobs 1), each into a fresh user catalogue served by its own engine:
// the same lines in the files' order, a bad file reported in its place without stopping the others,
// and the same catalogue on disk (same songs, factors within 1e-6). Progress goes to stderr only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadBundle } from '../../src/model/bundle';
import { initUserCatalog, loadUserCatalog } from '../../src/model/user-catalog';
import { earshot } from '../helpers/earshot-cli';
import { startServerProcess } from '../helpers/server-process';
import { repoRoot, sharedOrSkip } from '../helpers/shared';
import { tempFiles } from '../helpers/temp-files';

const BUNDLE = path.join(repoRoot(), 'models', 'default');
const tmp = tempFiles('catalog-add-parallel');

interface Line {
  event: string;
  file?: string;
  id?: string;
  code?: string;
  added?: number;
  failed?: number;
}

test('--jobs 4 adds what --jobs 1 adds: same lines in order, same catalogue; a bad file fails alone', { timeout: 600_000 }, async (t) => {
  const audio = sharedOrSkip(t, 'data/audio');
  if (!audio) return;
  const library = path.join(tmp.dir, 'music');
  fs.mkdirSync(library);
  const clips = fs.readdirSync(audio).filter((f) => !f.endsWith('.md'));
  for (const f of clips) fs.symlinkSync(path.join(audio, f), path.join(library, f));
  fs.writeFileSync(path.join(library, 'broken.wav'), 'RIFF, but not really a WAV file');
  const bundle = await loadBundle(BUNDLE);
  const dirs = ['sequential', 'parallel'].map((n) => path.join(tmp.dir, n));
  try {
    for (const d of dirs) initUserCatalog(d, bundle);
  } finally {
    await bundle.close();
  }
  const runs: { code: number; lines: Line[]; stderr: string }[] = [];
  for (const [i, jobs] of ['1', '4'].entries()) {
    const server = await startServerProcess(['--catalog', dirs[i]]);
    try {
      const r = await earshot(['catalog', 'add', library, '--server', server.url, '--json', '--jobs', jobs], 240_000);
      runs.push({ code: r.code, lines: r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line), stderr: r.stderr });
    } finally {
      await server.stop();
    }
  }
  const [seq, par] = runs;
  const files = [...clips, 'broken.wav'].sort().map((f) => path.join(library, f));
  for (const r of runs) {
    assert.equal(r.code, 1, 'a file failed: exit status 1');
    assert.deepEqual(r.lines.slice(0, -1).map((l) => l.file), files, 'one line per file, in the files\' order');
    const broken = r.lines.find((l) => l.file?.endsWith('broken.wav'))!;
    assert.equal(broken.event, 'failed');
    assert.ok(broken.code && broken.code !== 'io', `the engine's decode error: ${broken.code}`);
    assert.deepEqual([r.lines.at(-1)!.event, r.lines.at(-1)!.added, r.lines.at(-1)!.failed], ['summary', clips.length, 1]);
    assert.match(r.stderr, new RegExp(`^${files.length} files in \\d+:\\d\\d, \\d+\\.\\d tracks/s$`, 'm'), 'the closing progress line on stderr');
    assert.doesNotMatch(r.lines.map((l) => JSON.stringify(l)).join('\n'), /tracks\/s/, 'no progress in the JSON lines');
  }
  assert.deepEqual(par.lines.map((l) => [l.event, l.id]), seq.lines.map((l) => [l.event, l.id]));

  const check = await loadBundle(BUNDLE);
  try {
    const [a, b] = dirs.map((d) => loadUserCatalog(d, check));
    assert.equal(a.items.length, clips.length);
    assert.deepEqual(b.items.map((r) => r.id).sort(), a.items.map((r) => r.id).sort(), 'the same songs');
    const f = check.manifest.factors;
    for (const [i, item] of a.items.entries()) {
      const j = b.items.findIndex((r) => r.id === item.id);
      assert.deepEqual(b.items[j], item, `${item.id}: same artist, title and uri`);
      for (let c = 0; c < f; c++) {
        const d = Math.abs(a.itemFactors[i * f + c] - b.itemFactors[j * f + c]);
        assert.ok(d <= 1e-6, `${item.id} factor ${c}: |Δ| ${d}`);
      }
    }
    assert.ok(b.manifest.revision <= a.manifest.revision, `group commit: ${b.manifest.revision} saves for --jobs 4, ${a.manifest.revision} for --jobs 1`);
  } finally {
    await check.close();
  }
});
