// `earshot-train stream-pair --bundle DIR` on a copy of the default bundle without its pair (an older
// bundle): it writes the pair and the manifest entry, byte for byte what models/default ships (the same
// model.onnx, a deterministic export), and the bundle then loads with the pair (its one-window check
// against model.onnx passes) and streams windows equal to model.onnx's; usage errors exit 2, a folder
// that is not a bundle exits 1.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StreamTrunk } from '../../../src/engine/stream-trunk';
import { loadBundle } from '../../../src/model/bundle';
import { bundleCopy, DEFAULT_BUNDLE } from '../../helpers/engine-client';
import { distPath } from '../../helpers/shared';

const CLI = distPath('trainer', 'cli.js');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function train(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

test('stream-pair adds the pair to a bundle without one: files and entry as models/default ships them; the bundle streams exactly', async () => {
  const dir = bundleCopy();
  dirs.push(dir);
  const manifestFile = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const shipped = m.stream;
  delete m.stream;
  fs.writeFileSync(manifestFile, JSON.stringify(m, null, 2) + '\n');
  for (const f of ['stream.trunk.onnx', 'stream.head.onnx']) fs.rmSync(path.join(dir, f));

  const r = await train(['stream-pair', '--bundle', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), shipped);
  assert.deepEqual(JSON.parse(fs.readFileSync(manifestFile, 'utf8')), JSON.parse(fs.readFileSync(path.join(DEFAULT_BUNDLE, 'manifest.json'), 'utf8')), 'the rest of the manifest is untouched');
  for (const f of ['stream.trunk.onnx', 'stream.head.onnx']) assert.ok(fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(DEFAULT_BUNDLE, f))), `${f} as shipped`);

  const b = await loadBundle(dir, {}, 'load');
  try {
    const trunk = new StreamTrunk(b.stream!, b.model.predictWindows, 130);
    let x = 12345;
    const mel = Float32Array.from({ length: 300 * 128 }, () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32) * 80 - 70);
    for (const start of [0, 40, 80, 120, 160]) {
      const win = mel.slice(start * 128, (start + 130) * 128);
      const got = await trunk.run(win, 1, 130, [{ stream: 1, ticket: 0, start, final: false }]);
      const want = await b.model.predictWindows(win, 1, 130);
      want.forEach((v, j) => assert.ok(Math.abs(v - got[j]) <= 1e-5, `window ${start}, factor ${j}: ${got[j]} vs ${v}`));
    }
  } finally {
    await b.close();
  }

  const again = await train(['stream-pair', '--bundle', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /wrote stream\.trunk\.onnx and stream\.head\.onnx; stride 8 frames, 128 frames feed a window's 11 trunk steps/);
});

test('stream-pair: no --bundle or a stray argument exits 2; a folder that is not a bundle exits 1 naming it', async () => {
  const none = await train(['stream-pair']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--bundle <dir> is required/);
  const stray = await train(['stream-pair', '--bundle', DEFAULT_BUNDLE, 'extra']);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /unexpected argument 'extra'/);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-stream-pair-'));
  dirs.push(empty);
  const notBundle = await train(['stream-pair', '--bundle', empty]);
  assert.equal(notBundle.code, 1, notBundle.stderr);
  assert.match(notBundle.stderr, /manifest\.json: ENOENT/);
});
