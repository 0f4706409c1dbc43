/**
 * The command dispatcher shared by `earshot` and `earshot-train`: `<tool> <command> [options]`, usage
 * on --help, the package version on --version, and one-line errors with their stable code (exit 2 for
 * usage errors, 1 otherwise), never a stack trace for a user's mistake.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EarshotError } from '../errors';
import { packageRoot } from '../io/package-root';

/** A command's options as node:util's parseArgs declares them (declare them `as const`). */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** The values parseArgs gives for these options: a string or boolean each (arrays where `multiple`). */
export type OptionValues<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values'];

/** What a command defined with defineCommand gets besides its option values. */
export interface CommandInput {
  /** The arguments that are not options (only where the command takes them). */
  positionals: string[];
  /** The command's arguments as typed (recorded in manifests and reports). */
  argv: string[];
}

export interface Command {
  /** What the user types after the tool's name. */
  name: string;
  run: (argv: string[]) => Promise<void>;
  usage: string;
  /** One line in the tool's command list. */
  summary: string;
}

/**
 * A command whose options are parsed here, strictly (an unknown option or, without `positionals`, a
 * stray argument is a usage error naming it), so each command starts from its typed option values.
 */
export function defineCommand<O extends OptionsConfig>(spec: {
  name: string;
  summary: string;
  usage: string;
  options: O;
  /** The command takes arguments besides its options (files). */
  positionals?: boolean;
  run: (values: OptionValues<O>, input: CommandInput) => Promise<void>;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    run: (argv) => {
      const { values, positionals } = parseArgs({ args: argv, options: spec.options, allowPositionals: spec.positionals ?? false });
      return spec.run(values as OptionValues<O>, { positionals, argv });
    },
  };
}

/** A command line: its tool name, its commands (listed in this order) and old names still accepted. */
export interface CliTable {
  tool: string;
  commands: readonly Command[];
  /**
   * Old command name → its new name, kept for one release: the old name runs the new command (same
   * options, same output) after a one-line note on stderr, never on stdout (--json output stays clean).
   */
  renamed?: Readonly<Record<string, string>>;
}

function usage({ tool, commands, renamed = {} }: CliTable): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  const old = Object.entries(renamed).map(([from, to]) => `'${from}' is now '${to}'`);
  return (
    `usage: ${tool} <command> [options]\ncommands:\n${lines.join('\n')}\n` +
    (old.length ? `Renamed (the old names work until the next release): ${old.join(', ')}.\n` : '') +
    `Run '${tool} <command> --help' for its options, '${tool} --version [--json]' for the version.`
  );
}

/** `earshot 0.1.0`, or with --json `{"tool":"earshot","version":"0.1.0"}`: the version in the package.json installed with the code. */
function versionText(tool: string, json: boolean): string {
  const { version } = JSON.parse(fs.readFileSync(path.join(packageRoot(__dirname), 'package.json'), 'utf8')) as { version: string };
  return json ? JSON.stringify({ tool, version }) : `${tool} ${version}`;
}

export async function runCli(table: CliTable, argv: string[]): Promise<number> {
  const { tool, renamed = {} } = table;
  const [name, ...rest] = argv;
  // `<tool> --version [--json]`, either order; after a command, --version prints the same (as --help prints its usage).
  if (name?.startsWith('-') && argv.includes('--version')) {
    const other = argv.find((a) => a !== '--version' && a !== '--json');
    if (other !== undefined) {
      process.stderr.write(`${tool}: --version takes no argument but --json, got '${other}'\n`);
      return 2;
    }
    process.stdout.write(versionText(tool, argv.includes('--json')) + '\n');
    return 0;
  }
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage(table) + '\n');
    return name ? 0 : 2;
  }
  const newName = Object.hasOwn(renamed, name) ? renamed[name] : name;
  const cmd = table.commands.find((c) => c.name === newName);
  if (!cmd) {
    process.stderr.write(`${tool}: unknown command '${name}'\n${usage(table)}\n`);
    return 2;
  }
  if (newName !== name) process.stderr.write(`${tool} ${name} is now ${tool} ${newName}; the old name goes in the next release\n`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage + '\n');
    return 0;
  }
  if (rest.includes('--version')) {
    process.stdout.write(versionText(tool, rest.includes('--json')) + '\n');
    return 0;
  }
  try {
    await cmd.run(rest);
    return 0;
  } catch (err) {
    if (err instanceof EarshotError) {
      process.stderr.write(`${tool} ${name}: ${err.message} [${err.code}]\n`);
      return err.code === 'ERR_INVALID_ARGUMENT' ? 2 : 1;
    }
    if ((err as NodeJS.ErrnoException)?.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${tool} ${name}: ${(err as Error).message}\n${cmd.usage}\n`);
      return 2;
    }
    process.stderr.write(`${tool} ${name}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

/** The process entry of a command line: runs the command named by argv and exits with its status. */
export function main(table: CliTable): void {
  runCli(table, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
