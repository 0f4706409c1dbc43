/**
 * Confidence of an observed play count r (the paper's eq. 1-2, Hu et al.'s eq. 6):
 *   log:    c = 1 + alpha * log(1 + r / eps)   (van den Oord et al. use this; alpha 2, eps 1e-6)
 *   linear: c = 1 + alpha * r                 (Hu, Koren & Volinsky's first form)
 * Preference p = 1[r > 0]; unobserved pairs have c = 1, p = 0 and are never stored.
 */
import { EarshotError } from '../errors';

export type ConfidenceMode = 'log' | 'linear';

export interface ConfidenceOptions {
  mode?: ConfidenceMode;
  alpha?: number;
  eps?: number;
}

export const CONFIDENCE_DEFAULTS = { mode: 'log' as ConfidenceMode, alpha: 2, eps: 1e-6 };

export function confidence(counts: Float32Array, o: ConfidenceOptions = {}): Float32Array {
  const mode = o.mode ?? CONFIDENCE_DEFAULTS.mode;
  const alpha = o.alpha ?? CONFIDENCE_DEFAULTS.alpha;
  const eps = o.eps ?? CONFIDENCE_DEFAULTS.eps;
  if (mode !== 'log' && mode !== 'linear') throw new EarshotError('ERR_INVALID_ARGUMENT', `confidence mode must be 'log' or 'linear', got ${String(mode)}`);
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new EarshotError('ERR_INVALID_ARGUMENT', `alpha must be a finite number >= 0, got ${alpha}`);
  if (!(eps > 0) || !Number.isFinite(eps)) throw new EarshotError('ERR_INVALID_ARGUMENT', `eps must be a finite number > 0, got ${eps}`);
  const out = new Float32Array(counts.length);
  for (let j = 0; j < counts.length; j++) {
    const r = counts[j];
    if (!(r >= 0) || !Number.isFinite(r)) throw new EarshotError('ERR_INVALID_ARGUMENT', `play count ${j} is ${r}; counts must be finite and >= 0`);
    out[j] = mode === 'log' ? 1 + alpha * Math.log1p(r / eps) : 1 + alpha * r;
  }
  return out;
}
