/**
 * The magma colormap (van der Walt & Smith, matplotlib ≥ 1.5): perceptually uniform, monotonic in
 * lightness (so a spectrogram still reads in greyscale print) and readable with colour-vision
 * deficiencies. Dark = quiet, bright = loud, as librosa.display shows spectrograms.
 */
import { EarshotError } from '../errors';

/**
 * Every 15th of matplotlib's 256 entries (`_magma_data` in lib/matplotlib/_cm_listed.py: indices
 * 0, 15, …, 255), so the 18 points are evenly spaced at t = k/17. Linear interpolation between them
 * stays within 2.6/255 of matplotlib's full table on every channel (checked in the test).
 */
const MAGMA: readonly (readonly [number, number, number])[] = [
  [0.001462, 0.000466, 0.013866], // 0
  [0.03552, 0.028397, 0.125209], // 15
  [0.102815, 0.06301, 0.257854], // 30
  [0.19146, 0.064818, 0.396152], // 45
  [0.291366, 0.064553, 0.475462], // 60
  [0.384299, 0.097855, 0.501002], // 75
  [0.47578, 0.134577, 0.507921], // 90
  [0.569172, 0.167454, 0.504105], // 105
  [0.664915, 0.198075, 0.488836], // 120
  [0.761077, 0.231214, 0.460162], // 135
  [0.852126, 0.276106, 0.418573], // 150
  [0.925937, 0.346844, 0.374959], // 165
  [0.96968, 0.446936, 0.360311], // 180
  [0.989363, 0.557873, 0.391671], // 195
  [0.99658, 0.668256, 0.456192], // 210
  [0.996727, 0.776795, 0.541039], // 225
  [0.99244, 0.88433, 0.640099], // 240
  [0.987053, 0.991438, 0.749504], // 255
];

export type Rgb = readonly [number, number, number];

/**
 * magma(t) as 8-bit RGB for t in 0..1 (clamped; NaN maps to 0, the darkest colour, so a missing value
 * reads as silence rather than as the loudest bin).
 */
export function magma(t: number): [number, number, number] {
  const x = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t)) * (MAGMA.length - 1);
  const i = Math.min(MAGMA.length - 2, Math.floor(x));
  const f = x - i;
  const a = MAGMA[i], b = MAGMA[i + 1];
  return [0, 1, 2].map((c) => Math.round(255 * (a[c] + f * (b[c] - a[c])))) as [number, number, number];
}

/**
 * magma sampled at t = k/(levels − 1), k = 0..levels−1, as packed RGB bytes: a lookup table, so
 * colouring a large spectrogram is one index per pixel.
 */
export function magmaTable(levels = 256): Uint8Array {
  if (!Number.isInteger(levels) || levels < 2 || levels > 65536) throw new EarshotError('ERR_INVALID_ARGUMENT', `magmaTable levels must be an integer in 2..65536, got ${String(levels)}`);
  const out = new Uint8Array(levels * 3);
  for (let k = 0; k < levels; k++) out.set(magma(k / (levels - 1)), 3 * k);
  return out;
}
