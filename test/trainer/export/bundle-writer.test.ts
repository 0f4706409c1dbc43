// Writing a model bundle over an existing one (trainer/export/bundle-writer.ts, replace-dir.ts): a
// writer that fails midway (after model.onnx and the factors are written) leaves the old bundle byte
// for byte and no temporary folder; a successful one replaces it whole (uri column, input hashes,
// extras) and the engine loads it; the old folder a killed writer left aside is put back.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadBundle } from '../../../src/model/bundle';
import { parameterShapes, type NetConfig } from '../../../trainer/cnn/net-config';
import { WINDOW_FRAMES } from '../../../trainer/cnn/windows';
import { mulberry32 } from '../../../trainer/eval/prng';
import { writeBundle, type BundleContents } from '../../../trainer/export/bundle-writer';
import { replaceDir } from '../../../trainer/export/replace-dir';
import { featureMelConfig } from '../../../trainer/features/extract';
import { randomParameters } from '../../helpers/net-reference';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bundle-writer-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NET: NetConfig = { input: { kind: 'mel', bands: 128 }, conv: [{ filters: 4, kernel: 4, pool: 4 }], globalPool: ['mean', 'max'], dense: [6], dropout: 0, outputs: 3 };

function contents(items: BundleContents['items'], extra: Partial<BundleContents> = {}): BundleContents {
  const rand = mulberry32(3);
  return {
    config: NET, params: randomParameters(parameterShapes(NET), rand), stats: { mean: new Float32Array(128).fill(-40), std: new Float32Array(128).fill(12) },
    mel: featureMelConfig(), windowFrames: WINDOW_FRAMES, objective: 'mse', items,
    itemFactors: Float32Array.from({ length: items.length * 3 }, () => rand() - 0.5),
    training: { playsSha256: 'ab'.repeat(32), source: 'plays.tsv', songs: items.length, users: 7 },
    metrics: {}, command: 'earshot-train model (test)', ...extra,
  };
}

/** Every file of a folder with its bytes, for byte-for-byte comparison. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
}

const leftovers = () => fs.readdirSync(tmp).filter((f) => /\.(partial|old)-\d+$/.test(f));

test('a writer failing midway leaves the old bundle intact and no temporary folder; a good one replaces it', async () => {
  const dir = path.join(tmp, 'bundle');
  const v1 = [{ id: 'a', artist: 'A', title: 'One' }, { id: 'b', artist: 'B', title: 'Two' }];
  writeBundle(dir, contents(v1));
  const before = snapshot(dir);

  // items.tsv is encoded after model.onnx and item_factors.npy are written: an id with a tab fails there.
  const bad = [{ id: 'c\td', artist: 'C', title: 'Three' }];
  assert.throws(() => writeBundle(dir, contents(bad)), /id/);
  assert.deepEqual(snapshot(dir), before, 'the old bundle is byte for byte the same');
  assert.deepEqual(leftovers(), [], 'no partial folder left');

  // An extra that cannot be copied (the last step before the manifest) fails the same way.
  assert.throws(() => writeBundle(dir, contents(v1, { extras: { 'report.md': path.join(tmp, 'no-such-report.md') } })), /cannot copy .*no-such-report\.md.*ENOENT/);
  assert.deepEqual(snapshot(dir), before);
  assert.deepEqual(leftovers(), []);
  assert.throws(() => writeBundle(dir, contents(v1, { extras: { 'manifest.json': __filename } })), /plain file name other than the bundle's own files/);
  assert.deepEqual(snapshot(dir), before);

  const report = path.join(tmp, 'report.md');
  fs.writeFileSync(report, '# report\n');
  const v2 = [{ id: 'x', artist: 'X', title: 'Ten', uri: 'https://example.org/x.ogg' }, { id: 'y', artist: '', title: '' }, { id: 'z', artist: 'Z', title: 'Twelve', uri: 'file:///music/z.flac' }];
  const inputs = { plays: '01'.repeat(32), songs: '02'.repeat(32), audio: '03'.repeat(32) };
  writeBundle(dir, contents(v2, { extras: { 'report.md': report }, training: { playsSha256: '01'.repeat(32), source: 'plays.tsv', songs: 3, users: 7, inputs } }));
  assert.deepEqual(leftovers(), [], 'the old bundle was deleted after the swap');
  assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), '# report\n');
  const b = await loadBundle(dir);
  try {
    assert.deepEqual(b.items.map((i) => [i.id, i.uri ?? '']), [['x', 'https://example.org/x.ogg'], ['y', ''], ['z', 'file:///music/z.flac']]);
    assert.deepEqual(b.manifest.training.inputs, inputs);
    assert.equal(b.manifest.items, 3);
  } finally {
    await b.close();
  }
});

test("replaceDir: the old folder a killed writer left aside is put back; dead writers' partial folders are deleted", () => {
  const dir = path.join(tmp, 'swap');
  // A pid that cannot be alive (above the kernel's pid_max of 2^22).
  const dead = 4194305;
  fs.mkdirSync(`${dir}.old-${dead}`);
  fs.writeFileSync(path.join(`${dir}.old-${dead}`, 'v'), 'old');
  fs.mkdirSync(`${dir}.partial-${dead}`);
  assert.throws(() => replaceDir(dir, () => {
    throw new Error('writer failed');
  }), /writer failed/);
  assert.equal(fs.readFileSync(path.join(dir, 'v'), 'utf8'), 'old', 'the old folder is back in place');
  assert.deepEqual(leftovers(), []);
  const n = replaceDir(dir, (t) => {
    fs.writeFileSync(path.join(t, 'v'), 'new');
    return 1;
  });
  assert.equal(n, 1);
  assert.equal(fs.readFileSync(path.join(dir, 'v'), 'utf8'), 'new');
  assert.deepEqual(leftovers(), []);
  fs.writeFileSync(path.join(tmp, 'file'), '');
  assert.throws(() => replaceDir(path.join(tmp, 'file'), () => 0), /exists and is not a directory/);
});

test('a written mel bundle carries its streaming pair: the manifest entry, files with its SHA-256, and the pair agrees with model.onnx (the load check); folded input statistics included', async () => {
  const dir = path.join(tmp, 'with-pair');
  const m = writeBundle(dir, contents([{ id: 'a', artist: 'A', title: 'One' }], { extras: {} }));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['item_factors.npy', 'items.tsv', 'manifest.json', 'model.onnx', 'stream.head.onnx', 'stream.trunk.onnx']);
  // One conv k4/p4: stride 4; 130 frames → 31 steps, fed by 128 frames (124 give 30); the state keeps the
  // kernel's 3 taps + 1 conv output short of a pooling window (128 − 3 = 125 = 4 · 31 + 1).
  assert.deepEqual({ ...m.stream, sha256: undefined }, { trunk: 'stream.trunk.onnx', head: 'stream.head.onnx', sha256: undefined, strideFrames: 4, windowSteps: 31, feedFrames: 128, channels: 4, states: [{ channels: 128, frames: 4 }] });
  const sha = (f: string) => createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
  assert.deepEqual(m.stream!.sha256, { trunk: sha('stream.trunk.onnx'), head: sha('stream.head.onnx') });
  const b = await loadBundle(dir, {}, 'load'); // runs a window through both paths: would refuse unfolded weights
  try {
    assert.ok(b.stream);
  } finally {
    await b.close();
  }
  assert.throws(() => writeBundle(dir, contents([{ id: 'a', artist: 'A', title: 'One' }], { extras: { 'stream.head.onnx': __filename } })), /plain file name other than the bundle's own files/);
});
