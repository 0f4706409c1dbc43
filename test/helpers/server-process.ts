/**
 * `earshot serve` in a child process of its own, for tests that measure the server's memory (its RSS
 * must not include the test's clients). Resolves once it prints its {"type":"listening"} line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './shared';

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Resident set size now (bytes), from /proc. */
  rss(): number;
  stop(): Promise<void>;
}

export function startServerProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const cli = path.join(repoRoot(), 'dist', 'src', 'cli', 'earshot.js');
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--json', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      for (const line of buf.split('\n').slice(0, -1)) {
        const m = JSON.parse(line) as { type: string; url?: string };
        if (m.type === 'listening') {
          child.stdout!.off('data', onData);
          child.stdout!.on('data', () => undefined);
          resolve({
            url: m.url!,
            pid: child.pid!,
            child,
            rss: () => Number(/VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
            stop: () =>
              new Promise((done) => {
                child.once('close', () => done());
                child.kill('SIGTERM');
              }),
          });
        }
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    };
    child.stdout!.on('data', onData);
    child.once('close', (code) => reject(new Error(`earshot serve exited (${code}) before listening: ${err}`)));
  });
}
