// A bundle's streaming pair entry (src/model/stream-model.ts) as the engine meets it: the default bundle's
// pair loads and agrees with model.onnx; a missing file, an altered file (SHA-256), a manifest whose shapes
// do not match the graphs, another model's pair and a malformed entry are each refused with ERR_MODEL_FORMAT
// naming the problem, by loadBundle and by Engine.open (which refuses rather than falling back unnoticed);
// --cnn-path window serves such a bundle on the whole-window path, and 'stream' refuses a bundle without a pair.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/engine/engine';
import { loadBundle } from '../../src/model/bundle';
import { parameterShapes } from '../../trainer/cnn/net-config';
import { mulberry32 } from '../../trainer/eval/prng';
import { readOnnxNet } from '../../trainer/export/onnx-params';
import { buildStreamPair } from '../../trainer/export/onnx-stream';
import { bundleCopy, DEFAULT_BUNDLE } from '../helpers/engine-client';
import { isCode, randomParameters } from '../helpers/net-reference';

const copies: string[] = [];
after(() => {
  for (const d of copies) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of the default bundle with `change` applied to its manifest (and files). */
function broken(change: (m: Record<string, any>, dir: string) => void): string {
  const dir = bundleCopy();
  copies.push(dir);
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(m, dir);
  fs.writeFileSync(file, JSON.stringify(m, null, 2));
  return dir;
}

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('the default bundle\'s pair loads (files, SHA-256, shapes, one window against model.onnx) and is closed with the bundle', async () => {
  const b = await loadBundle(DEFAULT_BUNDLE, {}, 'load');
  assert.ok(b.stream);
  assert.equal(b.stream.entry.strideFrames, 8);
  assert.equal(b.stream.entry.sha256.trunk, sha(path.join(DEFAULT_BUNDLE, b.stream.entry.trunk)));
  await b.close();
  await assert.rejects(b.stream.runHead(new Float32Array(256 * 11), 1, 11), isCode('ERR_INVALID_ARGUMENT', /closed/));
  const plain = await loadBundle(DEFAULT_BUNDLE);
  assert.equal(plain.stream, null, 'not loaded unless asked');
  await plain.close();
});

const CASES: { name: string; change: (m: Record<string, any>, dir: string) => void; message: RegExp }[] = [
  { name: 'missing trunk file', change: (m, dir) => fs.rmSync(path.join(dir, m.stream.trunk)), message: /cannot read stream\.trunk\.onnx \(ENOENT\)/ },
  { name: 'altered head file', change: (m, dir) => fs.appendFileSync(path.join(dir, m.stream.head), Buffer.from([0])), message: /stream\.head\.onnx has SHA-256 [0-9a-f]{64}, manifest\.json stream\.sha256 says/ },
  { name: 'state channels that the graph does not have', change: (m) => (m.stream.states[1].channels = 64), message: /"state1" has shape \[.*\], the manifest's stream entry needs \[\*, 64, \*\]/ },
  { name: 'a layer too few', change: (m) => m.stream.states.pop(), message: /a 2-layer trunk has \[mel, state0, state1\]/ },
  { name: 'steps the head does not take', change: (m) => (m.stream.channels = 512), message: /"steps" has shape .* needs \[\*, \*, 512\]/ },
  { name: 'another model\'s pair (SHA-256 updated to match)', change: (m, dir) => {
    const { config } = readOnnxNet(path.join(dir, 'model.onnx'));
    const pair = buildStreamPair(config, randomParameters(parameterShapes(config), mulberry32(9)), 130);
    fs.writeFileSync(path.join(dir, m.stream.trunk), pair.trunk);
    fs.writeFileSync(path.join(dir, m.stream.head), pair.head);
    m.stream.sha256 = { trunk: sha(path.join(dir, m.stream.trunk)), head: sha(path.join(dir, m.stream.head)) };
  }, message: /predicts up to .* away from the whole-window model on a test window: not this model's pair/ },
];

for (const c of CASES) {
  test(`a bundle whose stream entry has ${c.name} is refused (ERR_MODEL_FORMAT), by loadBundle and Engine.open; --cnn-path window serves it`, async () => {
    const dir = broken(c.change);
    await assert.rejects(loadBundle(dir, {}, 'load'), isCode('ERR_MODEL_FORMAT', c.message));
    await assert.rejects(Engine.open({ bundleDir: dir, inferenceThread: 'main' }), isCode('ERR_MODEL_FORMAT', c.message));
    const e = await Engine.open({ bundleDir: dir, inferenceThread: 'main', cnnPath: 'window' });
    try {
      assert.equal(e.cnnPath, 'window');
    } finally {
      await e.close();
    }
  });
}

test('a malformed stream entry is a malformed manifest, whatever the path', async () => {
  const dir = broken((m) => (m.stream.feedFrames = 132));
  await assert.rejects(loadBundle(dir), isCode('ERR_MODEL_FORMAT', /stream\.feedFrames 132 must be a multiple of strideFrames 8 and at most windowFrames 130/));
  const escape = broken((m) => (m.stream.trunk = '../model.onnx'));
  await assert.rejects(loadBundle(escape), isCode('ERR_MODEL_FORMAT', /stream\.trunk must be a plain file name/));
  const hex = broken((m) => (m.stream.sha256.head = 'abc'));
  await assert.rejects(loadBundle(hex), isCode('ERR_MODEL_FORMAT', /stream\.sha256/));
});

test('a bundle without a pair (an older bundle) serves on the window path; --cnn-path stream refuses it', async () => {
  const dir = broken((m) => delete m.stream);
  const e = await Engine.open({ bundleDir: dir, inferenceThread: 'main' });
  try {
    assert.equal(e.cnnPath, 'window');
  } finally {
    await e.close();
  }
  await assert.rejects(Engine.open({ bundleDir: dir, inferenceThread: 'main', cnnPath: 'stream' }), isCode('ERR_MODEL_FORMAT', /needs a streaming pair.*earshot-train stream-pair --bundle/));
});

test('a reload onto a bundle whose pair broke is refused, and the old bundle keeps serving on its pair', async () => {
  const dir = broken(() => undefined);
  const e = await Engine.open({ bundleDir: dir });
  try {
    assert.equal(e.cnnPath, 'stream');
    fs.appendFileSync(path.join(dir, 'stream.trunk.onnx'), Buffer.from([0]));
    await assert.rejects(e.reload(), isCode('ERR_MODEL_FORMAT', /SHA-256/));
    assert.equal(e.cnnPath, 'stream', 'a failed reload changes nothing');
  } finally {
    await e.close();
  }
});
