// Shared helpers of the robustness suites (test/robustness-*.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NativeMelConfig } from '../../src/native/addon';
import { EarshotError, type EarshotErrorCode } from '../../src/errors';

export const DIST_SRC = path.resolve(__dirname, '..', '..', 'src');
export const CLI = path.join(DIST_SRC, 'cli', 'earshot.js');
export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-robust-'));
export const CFG: NativeMelConfig = {
  sampleRateHz: 22050, nFft: 1024, hopSamples: 512, nMels: 128, fminHz: 0, fmaxHz: -1, htk: false, slaneyNorm: true,
  center: true, log: 'db', aminPower: 1e-10, refPower: 1, topDb: -1, log1pScale: 1,
};

export function signal(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin(0.05 * i) + 0.2 * Math.sin(0.31 * i + 1);
  return x;
}

export { concatFloat32 as concat } from '../../src/audio/concat';

export function throwsCode(fn: () => unknown, code: EarshotErrorCode, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EarshotError, `expected EarshotError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** Runs a CommonJS snippet in a fresh node (so a crash is a failed assertion, not a dead runner). */
export function runChild(
  script: string,
  nodeArgs: string[] = [],
  timeoutMs = 120_000,
): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const file = path.join(tmp, `child-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, `const DIST_SRC = ${JSON.stringify(DIST_SRC)};\n${script}`);
  const r = spawnSync(process.execPath, [...nodeArgs, file], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

