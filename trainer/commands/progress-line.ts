/**
 * Progress output of earshot-train's long-running commands (on stderr, so stdout keeps only results):
 * a progress line on a terminal (rewritten in place), or one line per update when piped (logs).
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
