// The libtorch training backend (trainer/cnn/torch-net.ts, native/torch/): the shared CNN backend
// conformance suite (net-backend-conformance.ts: forward pass, losses, training, determinism,
// checkpoints, errors, concurrency against the float64 reference), then what only this backend has:
// its error mapping, its status, checkpoint files it refuses, its thread and device options.
// Skips visibly when build-torch/ holds no addon; EARSHOT_REQUIRE_TORCH=1 (CI) fails instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NetConfig } from '../../../trainer/cnn/net-config';
import { mapTorchError } from '../../../trainer/cnn/torch-addon';
import { TorchNet, torchStatus } from '../../../trainer/cnn/torch-net';
import { TEST_CNN, isCode } from '../../helpers/net-reference';
import { torchOrSkip } from '../../helpers/torch';
import { cnnBackendConformance } from './net-backend-conformance';

const CNN: NetConfig = TEST_CNN;
const MLP: NetConfig = { input: { kind: 'vector', features: 10 }, conv: [], globalPool: [], dense: [12], dropout: 0, outputs: 4 };
// One thread: these nets are tiny (OpenMP's hand-offs would cost more than the arithmetic), and the
// determinism claims are per thread count.
const OPTS = { threads: 1 };

cnnBackendConformance({ name: 'torch', availableOrSkip: torchOrSkip, create: (config, options) => new TorchNet(config, { ...options, ...OPTS }), checkpoints: true });

test('mapTorchError: an "ERR_<CODE>: " prefix carries its code (ERR_TORCH: torch\'s message); TypeError / RangeError are argument errors', () => {
  const torch = mapTorchError(new Error('ERR_TORCH: DefaultCPUAllocator: not enough memory'));
  assert.equal(torch.code, 'ERR_TORCH');
  assert.equal(torch.message, 'DefaultCPUAllocator: not enough memory');
  assert.equal(mapTorchError(new Error('ERR_CHECKPOINT: damaged')).code, 'ERR_CHECKPOINT');
  assert.equal(mapTorchError(new RangeError('frames must be >= 47')).code, 'ERR_INVALID_ARGUMENT');
  assert.equal(mapTorchError(new TypeError('x must be a Float32Array')).code, 'ERR_INVALID_ARGUMENT');
  assert.equal(mapTorchError(new Error('ERR_UNKNOWN_THING: x')).code, 'ERR_TORCH', 'an unknown prefix is not trusted');
});

test('torchStatus reports the addon, its libtorch and whether CUDA is usable', (t) => {
  if (!torchOrSkip(t)) return;
  const s = torchStatus();
  assert.match(s.version ?? '', /^\d+\.\d+/);
  assert.equal(typeof s.cuda, 'boolean');
  if (!s.cuda) assert.ok((s.reason ?? '').length > 0, 'no CUDA: says why');
  assert.equal(process.env.OMP_WAIT_POLICY !== undefined, true, 'OMP_WAIT_POLICY set before libtorch loaded');
});

test('checkpoint errors: not a checkpoint, another architecture, another optimizer, no file; the net is unchanged', (t) => {
  if (!torchOrSkip(t)) return;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-torch-'));
  try {
    const file = path.join(tmp, 'cnn.pt');
    new TorchNet(CNN, OPTS).saveCheckpoint(file);
    const junk = path.join(tmp, 'junk.pt');
    fs.writeFileSync(junk, 'not a zip');
    const mlp = new TorchNet(MLP, OPTS);
    const before = mlp.parameters();
    assert.throws(() => mlp.loadCheckpoint(junk), isCode('ERR_CHECKPOINT', /not a libtorch archive/));
    assert.throws(() => mlp.loadCheckpoint(file), isCode('ERR_CHECKPOINT', /different network/));
    assert.throws(() => new TorchNet(CNN, { ...OPTS, optimizer: 'nesterov' }).loadCheckpoint(file), isCode('ERR_CHECKPOINT', /optimizer 'adam'/));
    assert.throws(() => mlp.loadCheckpoint(path.join(tmp, 'absent.pt')), isCode('ERR_IO', /ENOENT/));
    assert.deepEqual(mlp.parameters(), before);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('the options only TorchNet takes: threads and device are checked (ERR_INVALID_ARGUMENT naming them)', (t) => {
  if (!torchOrSkip(t)) return;
  assert.throws(() => new TorchNet(CNN, { threads: 0 }), isCode('ERR_INVALID_ARGUMENT', /threads must be an integer/));
  assert.throws(() => new TorchNet(CNN, { threads: 1.5 }), isCode('ERR_INVALID_ARGUMENT', /threads must be an integer/));
  assert.throws(() => new TorchNet(CNN, { device: 'tpu' as 'cpu' }), isCode('ERR_INVALID_ARGUMENT', /device must be 'cpu' or 'cuda'/));
});

test("device 'cuda' without a usable GPU is ERR_CUDA_UNAVAILABLE with the reason", (t) => {
  if (!torchOrSkip(t)) return;
  if (torchStatus().cuda) {
    t.skip('this machine has a CUDA libtorch and a GPU');
    return;
  }
  assert.throws(() => new TorchNet(CNN, { device: 'cuda' }), isCode('ERR_CUDA_UNAVAILABLE', /CPU-only libtorch|sees no GPU/));
});
