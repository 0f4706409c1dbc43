/**
 * The optional TensorFlow.js backend (trainer/cnn/tfjs-net.ts): the shared CNN backend conformance
 * suite (net-backend-conformance.ts) against the plain-JS reference forward pass — equal predictions on
 * the same parameters prove the weight layouts match net-config.ts's (libtorch/ONNX) convention — then
 * its status and its agreement with libtorch. Skipped visibly when no tfjs can load.
 */
import * as assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { parameterShapes, type NetParameter } from '../../../trainer/cnn/net-config';
import { TfjsNet, tfjsStatus } from '../../../trainer/cnn/tfjs-net';
import { TorchNet } from '../../../trainer/cnn/torch-net';
import { mulberry32 } from '../../../trainer/eval/prng';
import { assertClose, randomArray, randomParameters, TEST_CNN } from '../../helpers/net-reference';
import { availableOrSkip } from '../../helpers/optional-backend';
import { torchOrSkip } from '../../helpers/torch';
import { cnnBackendConformance } from './net-backend-conformance';

function tfjsOrSkip(t: TestContext): boolean {
  return availableOrSkip(t, 'TensorFlow.js', tfjsStatus());
}

cnnBackendConformance({ name: 'tfjs', availableOrSkip: tfjsOrSkip, create: (config, options) => new TfjsNet(config, options), checkpoints: false });

test('tfjsStatus never throws and names the loaded flavour', () => {
  const s = tfjsStatus();
  assert.equal(typeof s.available, 'boolean');
  if (s.available) assert.ok(['tfjs-node-gpu', 'tfjs-node', 'tfjs'].includes(s.flavour as string));
});

test('tfjs and libtorch predict the same on the same parameters', async (t) => {
  if (!tfjsOrSkip(t) || !torchOrSkip(t)) return;
  const rand = mulberry32(41);
  const params: NetParameter[] = randomParameters(parameterShapes(TEST_CNN), rand);
  const tfNet = new TfjsNet(TEST_CNN);
  const torchNet = new TorchNet(TEST_CNN, { threads: 1 });
  tfNet.setParameters(params);
  torchNet.setParameters(params);
  const x = randomArray(2 * 20 * 8, rand);
  assertClose(await tfNet.predict(x, 2, 20), await torchNet.predict(x, 2, 20), TEST_CNN.outputs, 'tfjs vs torch');
  tfNet.dispose();
  torchNet.dispose();
});
