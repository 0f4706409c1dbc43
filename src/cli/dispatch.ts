/**
 * The command dispatcher shared by `earshot` and `earshot-train`: `<tool> <command> [options]`, usage
 * on --help, and one-line errors with their stable code (exit 2 for usage errors, 1 otherwise), never
 * a stack trace for a user's mistake.
 */
import { EarshotError } from '../errors';

export interface Command {
  run: (argv: string[]) => Promise<void>;
  usage: string;
  summary: string;
}

function usage(tool: string, commands: Record<string, Command>): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: ${tool} <command> [options]\ncommands:\n${lines.join('\n')}\nRun '${tool} <command> --help' for its options.`;
}

export async function runCli(tool: string, commands: Record<string, Command>, argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage(tool, commands) + '\n');
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`${tool}: unknown command '${name}'\n${usage(tool, commands)}\n`);
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
