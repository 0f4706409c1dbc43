/**
 * `earshot-train stream-pair --bundle <dir>`: adds the streaming pair (trunk + head graphs,
 * trainer/export/stream-pair.ts) to an existing bundle from its own model.onnx, so a bundle written
 * before the pair existed streams on the faster path without retraining. Bundles written by
 * `earshot-train model` and `experiment` already have it.
 */
import { EarshotError } from '../../src/errors';
import { defineCommand, type CommandInput, type OptionValues } from '../../src/cli/dispatch';
import { addStreamPair } from '../export/stream-pair';

export const STREAM_PAIR_USAGE = `usage: earshot-train stream-pair --bundle <dir> [--json]
  Writes stream.trunk.onnx and stream.head.onnx into the bundle from its model.onnx (the same weights
  split into the convolution trunk, run once per stream, and the pooling + dense head, run per window)
  and names them in manifest.json's "stream" entry with their SHA-256; replaces an older pair.
  earshot serve then runs stream windows through the pair (docs/bundle.md "Streaming pair").
  --bundle <dir>   the model bundle (required)
  --json           print the manifest's new stream entry as JSON`;

const STREAM_PAIR_OPTIONS = { bundle: { type: 'string' }, json: { type: 'boolean' } } as const;

async function streamPairCommand(values: OptionValues<typeof STREAM_PAIR_OPTIONS>, { positionals }: CommandInput): Promise<void> {
  if (positionals.length > 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `unexpected argument '${positionals[0]}'\n${STREAM_PAIR_USAGE}`);
  if (!values.bundle) throw new EarshotError('ERR_INVALID_ARGUMENT', `--bundle <dir> is required\n${STREAM_PAIR_USAGE}`);
  const entry = addStreamPair(values.bundle).stream!;
  if (values.json) {
    process.stdout.write(JSON.stringify(entry) + '\n');
    return;
  }
  process.stdout.write(
    `${values.bundle}: wrote ${entry.trunk} and ${entry.head}; stride ${entry.strideFrames} frames, ` +
      `${entry.feedFrames} frames feed a window's ${entry.windowSteps} trunk steps\n`,
  );
}

export const STREAM_PAIR_COMMAND = defineCommand({ name: 'stream-pair', summary: 'add the streaming trunk + head graphs to an existing bundle', usage: STREAM_PAIR_USAGE, options: STREAM_PAIR_OPTIONS, positionals: true, run: streamPairCommand });
