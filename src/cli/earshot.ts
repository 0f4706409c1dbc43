#!/usr/bin/env node
/**
 * `earshot`: the engine's command line (analysis now; `serve` and the client arrive with the engine).
 * Errors print one line naming the problem (and the stable code) and exit 1; usage errors exit 2.
 */
import { EarshotError } from '../errors';
import { melCommand, MEL_USAGE } from './mel-command';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; usage: string; summary: string }> = {
  mel: { run: melCommand, usage: MEL_USAGE, summary: 'log-mel / MFCC features of an audio file as .npy' },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: earshot <command> [options]\ncommands:\n${lines.join('\n')}\nRun 'earshot <command> --help' for its options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`earshot: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage + '\n');
    return 0;
  }
  try {
    await cmd.run(rest);
    return 0;
  } catch (err) {
    if (err instanceof EarshotError) {
      process.stderr.write(`earshot ${name}: ${err.message} [${err.code}]\n`);
      return err.code === 'ERR_INVALID_ARGUMENT' ? 2 : 1;
    }
    if ((err as NodeJS.ErrnoException)?.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`earshot ${name}: ${(err as Error).message}\n${cmd.usage}\n`);
      return 2;
    }
    process.stderr.write(`earshot ${name}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
