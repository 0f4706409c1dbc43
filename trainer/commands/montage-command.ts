/**
 * `earshot-train montage --world <dir> --out <file.png>`: one labelled spectrogram tile per style of a
 * benchmark world (trainer/world/montage.ts), the picture the docs show of what each style sounds like.
 */
import { EarshotError } from '../../src/errors';
import { writePng } from '../../src/io/png';
import { renderMontage } from '../world/montage';
import { checkOutputPath, intArg, numArg } from '../../src/cli/args';
import { defineCommand, type CommandInput, type OptionValues } from '../../src/cli/dispatch';

export const MONTAGE_USAGE = `usage: earshot-train montage --world <dir> --out <file.png> [options]
  Draws the log-mel spectrogram of the first seconds of the first song(s) of every style in
  <dir>/songs.tsv (audio from <dir>/audio/<id>.wav or .flac), each under a
  "<style> — <artist> — <title> — <tempo> BPM" label, in a grid, as one PNG.
  --world <dir>         benchmark world directory (required)
  --out <file.png>      output path (required)
  --seconds <s>         seconds of each song, from its start (default 10)
  --columns <n>         tiles per row (default 2)
  --per-style <n>       songs per style, first in file order (default 1)
  --height-scale <n>    pixels per mel band (default 1: tiles 128 px tall)
  --json                print a JSON summary instead of text`;

const MONTAGE_OPTIONS = {
  world: { type: 'string' }, out: { type: 'string' }, seconds: { type: 'string' }, columns: { type: 'string' },
  'per-style': { type: 'string' }, 'height-scale': { type: 'string' }, json: { type: 'boolean' },
} as const;

async function montageCommand(values: OptionValues<typeof MONTAGE_OPTIONS>, { positionals }: CommandInput): Promise<void> {
  if (positionals.length > 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `unexpected argument '${positionals[0]}'\n${MONTAGE_USAGE}`);
  if (!values.world) throw new EarshotError('ERR_INVALID_ARGUMENT', `--world <dir> is required\n${MONTAGE_USAGE}`);
  if (!values.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--out <file.png> is required\n${MONTAGE_USAGE}`);
  checkOutputPath('--out', values.out, 'file');
  const t0 = process.hrtime.bigint();
  const { image, layout, tiles } = await renderMontage(values.world, {
    seconds: numArg('seconds', values.seconds),
    columns: intArg('columns', values.columns),
    perStyle: intArg('per-style', values['per-style']),
    heightScale: intArg('height-scale', values['height-scale']),
  });
  writePng(values.out, image.width, image.height, image.rgb);
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (values.json) {
    const summary = {
      world: values.world, out: values.out, width: image.width, height: image.height, columns: layout.columns, rows: layout.rows,
      tiles: tiles.map((t) => ({ id: t.song.id, style: t.song.style, audio: t.audioPath, label: t.label, durationS: t.durationS })),
      elapsedS,
    };
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  const styles = new Set(tiles.map((t) => t.song.style)).size;
  process.stdout.write(
    `${values.out}: ${image.width} x ${image.height} px, ${tiles.length} songs from ${styles} styles ` +
      `(${layout.rows} x ${layout.columns} grid) in ${elapsedS.toFixed(3)} s\n`,
  );
}

export const MONTAGE_COMMAND = defineCommand({ name: 'montage', summary: 'one labelled spectrogram per style of a benchmark world, as a PNG', usage: MONTAGE_USAGE, options: MONTAGE_OPTIONS, positionals: true, run: montageCommand });
