// The import graph (.dependency-cruiser.cjs, checked with dependency-cruiser itself): no cycles, the
// data flows one way (audio → mel → model → catalogue → protocol → engine → server), the engine and the
// catalogue never import the server, the client SDK never imports the server or the engine. A planted
// fixture proves the check can fail: a cycle and an engine → server import are both reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './helpers/shared';

const run = promisify(execFile);
const ROOT = repoRoot();
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

/** The violations dependency-cruiser finds in `dirs` under `cwd` (its JSON report; exit code ignored). */
async function cruise(cwd: string, dirs: string[]): Promise<{ violations: Violation[]; modules: number }> {
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...dirs], { cwd, maxBuffer: 256 << 20 }));
  } catch (err) {
    // depcruise exits non-zero when it finds violations; the report is still on stdout.
    stdout = (err as { stdout?: string }).stdout ?? '';
    if (!stdout) throw err;
  }
  const report = JSON.parse(stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: report.summary.violations, modules: report.summary.totalCruised };
}

const describe = (v: Violation): string => `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`;

test('the source tree keeps its import rules: no cycles, one-way data flow, engine and client apart from the server', async () => {
  const dirs = ['src', 'trainer', 'bench', 'plugin-host', 'fuzz', 'test'].filter((d) => fs.existsSync(path.join(ROOT, d)));
  const { violations, modules } = await cruise(ROOT, dirs);
  assert.ok(modules > 300, `only ${modules} modules cruised: is the tsconfig resolution broken?`);
  assert.deepEqual(violations.map(describe), []);
});

test('a planted cycle and an engine → server import are reported (the check can fail)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-imports-'));
  try {
    const write = (rel: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'Node16', moduleResolution: 'Node16', strict: true } }));
    write('src/engine/engine.ts', "import { route } from '../server/routes';\nexport const engine = (): string => route();\n");
    write('src/server/routes.ts', "import { engine } from '../engine/engine';\nexport const route = (): string => typeof engine;\n");
    write('src/audio/ok.ts', 'export const fine = 1;\n');
    const { violations } = await cruise(dir, ['src']);
    const rules = new Set(violations.map((v) => v.rule.name));
    assert.ok(rules.has('no-circular'), violations.map(describe).join('\n'));
    assert.ok(rules.has('engine-catalog-not-server'), violations.map(describe).join('\n'));
    assert.ok(rules.has('layer-engine'), violations.map(describe).join('\n'));
    assert.ok(!violations.some((v) => v.from === 'src/audio/ok.ts'), 'a module with no imports is never reported');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
