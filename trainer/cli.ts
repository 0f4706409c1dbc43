#!/usr/bin/env node
/**
 * `earshot-train`: the trainer's command line. Its commands (wmf, world, features, cnn, export) arrive
 * with their issues; today it only says so, with a non-zero exit for anything but --help.
 */
const COMMANDS = ['wmf', 'world', 'features', 'cnn', 'export'];

function main(argv: string[]): number {
  const text = `usage: earshot-train <command> [options]\nplanned commands (not available in this version): ${COMMANDS.join(', ')}`;
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(text + '\n');
    return 0;
  }
  process.stderr.write(`earshot-train: ${argv[0] ? `command '${argv[0]}' is not available yet` : 'no command given'}\n${text}\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
