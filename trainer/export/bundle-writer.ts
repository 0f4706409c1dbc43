/**
 * The model bundle the engine serves (docs/bundle.md): one directory with
 *   manifest.json     format + version, mel parameters, window length, factor count, objective, net
 *                     config, training-data checksum, metrics, the command that produced it
 *   model.onnx        audio → factors (input standardisation folded in: takes raw log-mel dB)
 *   item_factors.npy  the catalogue's WMF factors, items x F float32 ('<f4')
 *   items.tsv         id  artist  title  (row order of item_factors.npy)
 *   tags.json         optional: a logistic model per tag from factors (weights F + intercept)
 *   stream.trunk.onnx, stream.head.onnx   the network split for streams (./stream-pair.ts; mel nets)
 *   report.md ...     optional extras copied in as they are (the holdout evaluation's report)
 * written under a temporary name and swapped in for the old bundle (replace-dir.ts), so a reader never
 * sees half a bundle and a failed write leaves the old bundle there intact.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NativeMelConfig } from '../../src/native/addon';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import { writeNpy } from '../../src/io/npy';
import { encodeItemsTsv } from '../../src/model/bundle-catalog';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleManifest, type BundleTagModel } from '../../src/model/bundle-format';
import { foldInputStats } from '../cnn/fold-input';
import type { NetConfig, NetParameter } from '../cnn/net-config';
import type { InputStats } from '../cnn/windows';
import { buildOnnxModel } from './onnx-net';
import { canStream } from './onnx-stream';
import { replaceDir } from './replace-dir';
import { STREAM_HEAD_FILE, STREAM_TRUNK_FILE, streamPairFiles } from './stream-pair';

export interface BundleContents {
  config: NetConfig;
  /** Trained parameters, on standardised inputs. */
  params: readonly NetParameter[];
  stats: InputStats;
  mel: NativeMelConfig;
  windowFrames: number;
  objective: string;
  items: readonly { id: string; artist: string; title: string; uri?: string }[];
  itemFactors: Float32Array;
  tags?: BundleTagModel[];
  training: BundleManifest['training'];
  metrics: Record<string, unknown>;
  command: string;
  /** Files copied into the bundle as they are: file name in the bundle → source path. */
  extras?: Record<string, string>;
}

/** The bundle's own file names, which an extra may not replace. */
const OWN_FILES = new Set(['manifest.json', 'model.onnx', 'item_factors.npy', 'items.tsv', 'tags.json', STREAM_TRUNK_FILE, STREAM_HEAD_FILE]);

export function writeBundle(dir: string, b: BundleContents): BundleManifest {
  const f = b.config.outputs;
  if (b.itemFactors.length !== b.items.length * f) throw new EarshotError('ERR_INVALID_ARGUMENT', `item factors hold ${b.itemFactors.length} values, expected ${b.items.length} items x ${f}`);
  const folded = foldInputStats(b.config, b.params, b.stats);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT, version: BUNDLE_VERSION, factors: f, windowFrames: b.windowFrames, mel: b.mel, objective: b.objective, net: b.config,
    items: b.items.length, tags: (b.tags ?? []).map((t) => t.tag), training: b.training, metrics: b.metrics, command: b.command,
    files: { model: 'model.onnx', itemFactors: 'item_factors.npy', items: 'items.tsv', tags: b.tags?.length ? 'tags.json' : null },
  };
  const meta = { 'earshot.bundle_format': `${BUNDLE_FORMAT}/${BUNDLE_VERSION}`, 'earshot.window_frames': String(b.windowFrames) };
  const onnx = buildOnnxModel(b.config, folded, meta);
  const pair = canStream(b.config, b.windowFrames) ? streamPairFiles(b.config, folded, b.windowFrames, meta) : null;
  if (pair) manifest.stream = pair.entry;
  replaceDir(dir, (tmp) => {
    writeFileAtomic(path.join(tmp, 'model.onnx'), onnx);
    for (const [name, bytes] of Object.entries(pair?.files ?? {})) writeFileAtomic(path.join(tmp, name), bytes);
    writeNpy(path.join(tmp, 'item_factors.npy'), b.itemFactors, [b.items.length, f]);
    writeFileAtomic(path.join(tmp, 'items.tsv'), Buffer.from(encodeItemsTsv(b.items)));
    if (b.tags?.length) writeFileAtomic(path.join(tmp, 'tags.json'), Buffer.from(JSON.stringify({ factors: f, tags: b.tags }) + '\n'));
    for (const [name, source] of Object.entries(b.extras ?? {})) {
      if (OWN_FILES.has(name) || path.basename(name) !== name) throw new EarshotError('ERR_INVALID_ARGUMENT', `bundle extra "${name}" must be a plain file name other than the bundle's own files`);
      try {
        fs.copyFileSync(source, path.join(tmp, name));
      } catch (err) {
        throw new EarshotError('ERR_IO', `cannot copy "${source}" into the bundle: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
      }
    }
    writeFileAtomic(path.join(tmp, 'manifest.json'), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  });
  return manifest;
}
