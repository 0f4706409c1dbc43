// --version on both command lines: the version in package.json (read here from the file itself), as text or
// --json, at the top level and after a command; and `npx earshot --version` from the repo prints nothing on
// stderr (no npm warning about the project's config, as an unknown .npmrc key used to cause on every npx).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { assertCliRefuses } from '../helpers/cli-refusals';
import { which } from '../helpers/hosts';
import { distPath, repoRoot } from '../helpers/shared';

const run = promisify(execFile);
const EARSHOT = distPath('src', 'cli', 'earshot.js');
const TRAIN = distPath('trainer', 'cli.js');
const VERSION = (JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;

test('earshot and earshot-train --version print "<tool> <package.json version>" and exit 0, also after a command', async () => {
  assert.match(VERSION, /^\d+\.\d+\.\d+/);
  const cases: Array<[string, string[]]> = [
    [EARSHOT, ['--version']],
    [EARSHOT, ['stream', '--version']],
    [EARSHOT, ['analyze', 'song.mp3', '--version']],
    [TRAIN, ['--version']],
    [TRAIN, ['wmf', '--version']],
  ];
  for (const [cli, args] of cases) {
    const tool = cli === EARSHOT ? 'earshot' : 'earshot-train';
    const { stdout, stderr } = await run(process.execPath, [cli, ...args]);
    assert.equal(stdout, `${tool} ${VERSION}\n`, args.join(' '));
    assert.equal(stderr, '');
  }
});

test('--json --version (either order) prints {"tool","version"} as one JSON line', async () => {
  for (const [cli, tool, args] of [
    [EARSHOT, 'earshot', ['--json', '--version']],
    [EARSHOT, 'earshot', ['--version', '--json']],
    [TRAIN, 'earshot-train', ['--json', '--version']],
    [EARSHOT, 'earshot', ['mel', '--version', '--json']],
  ] as const) {
    const { stdout } = await run(process.execPath, [cli, ...args]);
    assert.equal(stdout.split('\n').length, 2, stdout);
    assert.deepEqual(JSON.parse(stdout), { tool, version: VERSION });
  }
});

test('--version with anything but --json at the top level, or after an unknown command, is a usage error (exit 2)', async () => {
  await assertCliRefuses(EARSHOT, [
    [['--version', 'stream'], /^earshot: --version takes no argument but --json, got 'stream'\n$/, 2],
    [['--version', '--help'], /^earshot: --version takes no argument but --json, got '--help'\n$/, 2],
    [['frobnicate', '--version'], /^earshot: unknown command 'frobnicate'\n/, 2],
  ]);
  await assertCliRefuses(TRAIN, [[['--version', '-x'], /^earshot-train: --version takes no argument but --json, got '-x'\n$/, 2]]);
});

test('npx earshot --version from the repo: the version on stdout and nothing at all on stderr', async (t) => {
  if (!which('npx')) return t.skip('npx is not installed');
  // npm's once-a-week "new npm available" notice is npm's own, not the project's: switched off here.
  const env = { ...process.env, npm_config_update_notifier: 'false' };
  const { stdout, stderr } = await run('npx', ['--no-install', 'earshot', '--version'], { cwd: repoRoot(), env });
  assert.equal(stdout, `earshot ${VERSION}\n`);
  assert.equal(stderr, '', 'npx printed a warning: an unknown key in .npmrc? (npm warns about those on every command)');
});
