/**
 * A bundle's streaming pair on disk (docs/bundle.md "Streaming pair"): `stream.trunk.onnx` and
 * `stream.head.onnx` built by onnx-stream.ts from the same network and parameters as model.onnx, and the
 * manifest's `stream` entry recording their geometry and SHA-256. The bundle writer adds the pair to
 * every new bundle; addStreamPair adds it to an existing bundle from its model.onnx (no retraining).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { writeFileAtomic } from '../../src/io/atomic-write';
import { parseBundleManifest } from '../../src/model/bundle';
import type { BundleManifest, BundleStreamEntry } from '../../src/model/bundle-format';
import type { NetConfig, NetParameter } from '../cnn/net-config';
import { readOnnxNet } from './onnx-params';
import { buildStreamPair } from './onnx-stream';

export const STREAM_TRUNK_FILE = 'stream.trunk.onnx';
export const STREAM_HEAD_FILE = 'stream.head.onnx';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The pair's files (name → bytes) and the manifest entry naming them, for folded (raw log-mel) parameters. */
export function streamPairFiles(config: NetConfig, folded: readonly NetParameter[], windowFrames: number, meta: Record<string, string> = {}): { entry: BundleStreamEntry; files: Record<string, Uint8Array> } {
  const { trunk, head, geometry } = buildStreamPair(config, folded, windowFrames, meta);
  const entry: BundleStreamEntry = { trunk: STREAM_TRUNK_FILE, head: STREAM_HEAD_FILE, sha256: { trunk: sha256(trunk), head: sha256(head) }, ...geometry };
  return { entry, files: { [STREAM_TRUNK_FILE]: trunk, [STREAM_HEAD_FILE]: head } };
}

/**
 * Writes the streaming pair of bundle `dir`'s model.onnx into the bundle and names it in manifest.json
 * (replacing an older pair). The two files are written first, the manifest last (atomically), so a
 * reader sees either the old manifest or the new one with both its files in place.
 */
export function addStreamPair(dir: string): BundleManifest {
  const manifestPath = path.join(dir, 'manifest.json');
  let text: string;
  try {
    text = fs.readFileSync(manifestPath, 'utf8');
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot read ${manifestPath}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  const manifest = parseBundleManifest(text, dir);
  const { config, params } = readOnnxNet(path.join(dir, manifest.files.model));
  if (config.input.kind !== 'mel') throw new EarshotError('ERR_INVALID_ARGUMENT', `bundle ${dir}: its model takes feature vectors; a streaming pair needs a mel-input network`);
  const { entry, files } = streamPairFiles(config, params, manifest.windowFrames, { 'earshot.window_frames': String(manifest.windowFrames) });
  for (const [name, bytes] of Object.entries(files)) writeFileAtomic(path.join(dir, name), bytes);
  const next: BundleManifest = { ...manifest, stream: entry };
  writeFileAtomic(manifestPath, Buffer.from(JSON.stringify(next, null, 2) + '\n'));
  return next;
}
