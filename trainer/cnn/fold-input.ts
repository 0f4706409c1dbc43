/**
 * Folds the training-time input standardisation (x − μ_b) / σ_b (trainer/cnn/windows.ts) into the
 * first layer, so the exported network takes raw inputs (log-mel dB, or raw feature vectors) exactly
 * as the engine computes them. For the first layer's weights W and bias c:
 *   W'[.., b, ..] = W[.., b, ..] / σ_b,   c' = c − Σ_b Σ_k W[.., b, k] μ_b / σ_b
 * Exact for a 'valid' convolution (every tap sees a real input) and for a dense layer.
 */
import { EarshotError } from '../../src/errors';
import { type NetConfig, type NetParameter } from './net-config';
import type { InputStats } from './windows';

export function foldInputStats(config: NetConfig, params: readonly NetParameter[], stats: InputStats): NetParameter[] {
  const first = config.conv.length > 0 ? 'conv0' : config.dense.length > 0 ? 'dense0' : 'out';
  const channels = config.input.kind === 'mel' ? config.input.bands : config.input.features;
  if (stats.mean.length !== channels || stats.std.length !== channels) throw new EarshotError('ERR_INVALID_ARGUMENT', `input statistics cover ${stats.mean.length} channels, the network takes ${channels}`);
  const w = params.find((p) => p.name === `${first}.weight`);
  const c = params.find((p) => p.name === `${first}.bias`);
  if (!w || !c) throw new EarshotError('ERR_MODEL_PARAMS', `parameters lack ${first}.weight or ${first}.bias`);
  // conv: [filters, channels, kernel]; dense: [out, channels] (kernel 1).
  const outs = w.shape[0];
  const kernel = w.shape.length === 3 ? w.shape[2] : 1;
  const weight = new Float32Array(w.data.length);
  const bias = Float32Array.from(c.data);
  for (let o = 0; o < outs; o++) {
    let shift = 0;
    for (let b = 0; b < channels; b++) {
      for (let k = 0; k < kernel; k++) {
        const i = (o * channels + b) * kernel + k;
        weight[i] = w.data[i] / stats.std[b];
        shift += weight[i] * stats.mean[b];
      }
    }
    bias[o] = c.data[o] - shift;
  }
  return params.map((p) => (p === w ? { ...p, data: weight } : p === c ? { ...p, data: bias } : p));
}
