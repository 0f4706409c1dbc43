/**
 * What a model bundle is made of, however it was trained (refit on all songs, or the holdout run's
 * best CNN): the net (config, parameters on standardised input, the input statistics) and the
 * catalogue (ids and their factors). Stages keep it in their folder as
 *   model.json        config, objective, parameter names and shapes, input mean/std per mel band, ids
 *   params.npy        every parameter's values concatenated, float32
 *   item_factors.npy  ids x F float32: WMF factors of songs with plays, predicted ones of the others
 * so that a finished stage is bundled again without retraining.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import { readNpy, writeNpy } from '../../src/io/npy';
import type { CnnObjective } from '../cnn/train-cnn';
import { checkNetParameters, type NetConfig, type NetParameter } from '../cnn/net-config';
import type { InputStats } from '../cnn/windows';

export interface TrainedModel {
  config: NetConfig;
  /** Trained parameters, on standardised inputs. */
  params: NetParameter[];
  stats: InputStats;
  objective: CnnObjective;
  /** The catalogue: song ids and ids x F factors. */
  ids: string[];
  factors: Float32Array;
}

interface ModelFile {
  format: 'earshot-trained-model';
  version: 1;
  config: NetConfig;
  objective: CnnObjective;
  params: { name: string; shape: number[] }[];
  stats: { mean: number[]; std: number[] };
  ids: string[];
}

export function saveTrainedModel(dir: string, m: TrainedModel): void {
  const f = m.config.outputs;
  if (m.factors.length !== m.ids.length * f) throw new EarshotError('ERR_INVALID_ARGUMENT', `catalogue factors hold ${m.factors.length} values, expected ${m.ids.length} songs x ${f}`);
  fs.mkdirSync(dir, { recursive: true });
  const values = new Float32Array(m.params.reduce((s, p) => s + p.data.length, 0));
  let at = 0;
  for (const p of m.params) {
    values.set(p.data, at);
    at += p.data.length;
  }
  writeNpy(path.join(dir, 'params.npy'), values, [values.length]);
  writeNpy(path.join(dir, 'item_factors.npy'), m.factors, [m.ids.length, f]);
  const file: ModelFile = {
    format: 'earshot-trained-model', version: 1, config: m.config, objective: m.objective,
    params: m.params.map((p) => ({ name: p.name, shape: [...p.shape] })), stats: { mean: Array.from(m.stats.mean), std: Array.from(m.stats.std) }, ids: m.ids,
  };
  writeFileAtomic(path.join(dir, 'model.json'), Buffer.from(JSON.stringify(file) + '\n')); // last: the other files are complete
}

export function loadTrainedModel(dir: string): TrainedModel {
  const bad = (what: string): never => {
    throw new EarshotError('ERR_IO', `${dir} does not hold a trained model (${what}); delete its stage folder to train again`);
  };
  let file: ModelFile;
  try {
    file = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelFile;
  } catch (err) {
    return bad(`model.json: ${(err as Error).message}`);
  }
  if (file.format !== 'earshot-trained-model' || file.version !== 1) bad('model.json is of another format');
  const values = readNpy(path.join(dir, 'params.npy')).data;
  const factors = readNpy(path.join(dir, 'item_factors.npy')).data;
  if (!(values instanceof Float32Array) || !(factors instanceof Float32Array)) return bad('its arrays are not float32');
  let at = 0;
  const params = file.params.map(({ name, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = values.slice(at, at + n);
    at += n;
    return { name, shape, data };
  });
  if (at !== values.length) bad(`params.npy holds ${values.length} values, model.json's shapes ${at}`);
  checkNetParameters(file.config, params);
  if (factors.length !== file.ids.length * file.config.outputs) bad('item_factors.npy does not match its ids');
  return {
    config: file.config, params, objective: file.objective, ids: file.ids, factors,
    stats: { mean: Float32Array.from(file.stats.mean), std: Float32Array.from(file.stats.std) },
  };
}
