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

/** Whole seconds, minutes or hours, for times left: "40 s", "12 min", "3.5 h". */
function duration(s: number): string {
  if (s < 90) return `${Math.ceil(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** "120/400 clips, 6.2/s, 45 s left": a running loop's count, rate and time left (elapsedS in s). */
export function rateText(done: number, total: number, elapsedS: number, unit: string): string {
  const rate = elapsedS > 0 ? done / elapsedS : 0;
  const left = rate > 0 ? `, ${duration((total - done) / rate)} left` : '';
  return `${done}/${total} ${unit}, ${rate.toFixed(rate >= 10 ? 0 : rate >= 1 || rate === 0 ? 1 : 2)}/s${left}`;
}

/**
 * Progress of a command made of stages: `update` rewrites one line in place on a terminal (rates and
 * time left) and is silent otherwise, so a log gets only the `line`s, one per finished stage.
 */
export function stageProgress(stream: NodeJS.WriteStream, label: string): { update: (text: string) => void; line: (text: string) => void } {
  const show = progressLine(stream, label);
  return {
    update: (text) => {
      if (stream.isTTY) show(text);
    },
    line: (text) => {
      show(text);
      show(null);
    },
  };
}
