/** `node dist/src/cli/earshot.js <args>` as a user runs it: its exit status, stdout and stderr (never rejects). */
import { execFile } from 'node:child_process';
import { distPath } from './shared';

export const EARSHOT_CLI = distPath('src', 'cli', 'earshot.js');

export function earshot(args: string[], timeoutMs = 180_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [EARSHOT_CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
