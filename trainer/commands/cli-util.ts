/** Argument parsing and progress output shared by earshot-train's commands. */
import { EarshotError } from '../../src/errors';

export function numArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new EarshotError('ERR_INVALID_ARGUMENT', `--${name} must be a number, got '${v}'`);
  return x;
}

export function intArg(name: string, v: string | undefined): number | undefined {
  const x = numArg(name, v);
  if (x !== undefined && !Number.isInteger(x)) throw new EarshotError('ERR_INVALID_ARGUMENT', `--${name} must be an integer, got '${v}'`);
  return x;
}

/**
 * A progress line on a terminal (rewritten in place), or one line per update when piped (logs).
 * Call with null to finish the line.
 */
export function progressLine(stream: NodeJS.WriteStream, label: string): (text: string | null) => void {
  let open = false;
  return (text) => {
    if (text === null) {
      if (open && stream.isTTY) stream.write('\n');
      open = false;
      return;
    }
    if (stream.isTTY) stream.write(`\r\x1b[2K${label}: ${text}`);
    else stream.write(`${label}: ${text}\n`);
    open = true;
  };
}
