// earshot-train's output locations are checked before any work (an --out that is a file, or under one,
// fails at once with one line and exit 1, instead of a stack trace after training), and a play-count
// file with nothing but a header is ERR_TRIPLETS_EMPTY (docs/errors.md).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TripletParser } from '../../../trainer/data/triplet-parser';
import { readTriplets } from '../../../trainer/data/triplets';
import { checkOutputPath } from '../../../src/cli/args';
import type { EarshotError } from '../../../src/errors';
import { distPath } from '../../helpers/shared';

const CLI = distPath('trainer', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-train-out-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const plays = path.join(tmp, 'plays.tsv');
fs.writeFileSync(plays, Array.from({ length: 600 }, (_, k) => `u${k % 40}\ts${(k * 7) % 50}\t${(k % 4) + 1}`).join('\n') + '\n');
const aFile = path.join(tmp, 'a-file.txt');
fs.writeFileSync(aFile, 'keep me');
const aDir = path.join(tmp, 'a-dir');
fs.mkdirSync(aDir);
const fullDir = path.join(tmp, 'full-dir');
fs.mkdirSync(fullDir);
fs.writeFileSync(path.join(fullDir, 'mine.txt'), 'mine');

function runTrain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** One line on stderr, no stack trace, the expected exit code and message. */
async function failsAtOnce(args: string[], code: number, pattern: RegExp): Promise<string> {
  const r = await runTrain(args);
  assert.equal(r.code, code, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  assert.match(r.stderr.trim(), pattern, args.join(' '));
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  return r.stderr;
}

describe('earshot-train --out checks', () => {
  test('wmf --out <existing file>: one line, exit 1, before training; the file is left alone', async () => {
    const stderr = await failsAtOnce(['wmf', '--input', plays, '--factors', '4', '--iterations', '3', '--out', aFile], 1, /^earshot-train wmf: --out .*a-file\.txt exists and is not a directory; .*\[ERR_IO\]$/);
    assert.doesNotMatch(stderr, /iteration/, 'nothing was trained');
    assert.equal(fs.readFileSync(aFile, 'utf8'), 'keep me');
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.partial-')), [], 'no partial output');
  });

  test('wmf --out under a file, or a non-empty directory: fails before training', async () => {
    await failsAtOnce(['wmf', '--input', plays, '--out', path.join(aFile, 'model')], 1, /--out .*a-file\.txt\/model cannot be created: .*a-file\.txt is not a directory \[ERR_IO\]$/);
    const s = await failsAtOnce(['wmf', '--input', plays, '--iterations', '3', '--out', fullDir], 2, /--out .*full-dir exists and is not empty; choose another --out \[ERR_INVALID_ARGUMENT\]$/);
    assert.doesNotMatch(s, /iteration/);
  });

  test('wmf --out <new dir under new dirs> still trains and writes the model', async () => {
    const out = path.join(tmp, 'new', 'deeper', 'model');
    const r = await runTrain(['wmf', '--input', plays, '--factors', '4', '--iterations', '2', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(out, 'item_factors.npy')));
  });

  test('experiment, features, world and montage check their outputs first (nothing else exists here)', async () => {
    const noWorld = path.join(tmp, 'no-such-world');
    await failsAtOnce(['experiment', '--world', noWorld, '--out', aFile], 1, /^earshot-train experiment: --out .*a-file\.txt exists and is not a directory; .*\[ERR_IO\]$/);
    await failsAtOnce(['experiment', '--world', noWorld, '--out', path.join(tmp, 'report'), '--bundle', aFile], 1, /--bundle .*a-file\.txt exists and is not a directory/);
    await failsAtOnce(['experiment', '--world', noWorld, '--out', path.join(tmp, 'report'), '--features', path.join(aFile, 'f')], 1, /--features .*a-file\.txt\/f cannot be created/);
    await failsAtOnce(['features', '--audio', noWorld, '--out', path.join(aFile, 'store')], 1, /^earshot-train features: --out .*a-file\.txt\/store cannot be created: .*\[ERR_IO\]$/);
    await failsAtOnce(['world', '--preset', 'tiny', '--out', aFile], 1, /^earshot-train world: --out .*a-file\.txt exists and is not a directory; .*\[ERR_IO\]$/);
    await failsAtOnce(['world', '--preset', 'tiny', '--out', path.join(aFile, 'w')], 1, /cannot be created: .*a-file\.txt is not a directory \[ERR_IO\]$/);
    await failsAtOnce(['montage', '--world', noWorld, '--out', aDir], 1, /^earshot-train montage: --out .*a-dir is a directory; give a file name \[ERR_IO\]$/);
    await failsAtOnce(['montage', '--world', noWorld, '--out', path.join(aFile, 'x.png')], 1, /--out .*a-file\.txt\/x\.png cannot be created/);
    assert.equal(fs.readFileSync(aFile, 'utf8'), 'keep me');
    assert.ok(!fs.existsSync(path.join(tmp, 'report')), 'no report directory was made');
  });

  test('checkOutputPath accepts missing paths under writable directories and existing directories', () => {
    checkOutputPath('--out', path.join(tmp, 'x', 'y', 'z'), 'dir');
    checkOutputPath('--out', aDir, 'dir', { empty: true });
    checkOutputPath('--out', fullDir, 'dir');
    checkOutputPath('--out', aFile, 'file');
    checkOutputPath('--out', path.join(tmp, 'new.png'), 'file');
    assert.throws(() => checkOutputPath('--out', fullDir, 'dir', { empty: true }), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => checkOutputPath('--out', aFile, 'dir'), { code: 'ERR_IO' });
    assert.throws(() => checkOutputPath('--out', aDir, 'file'), { code: 'ERR_IO' });
  });
});

describe('a header-only play-count file', () => {
  const write = (name: string, text: string): string => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, text);
    return p;
  };

  test('is ERR_TRIPLETS_EMPTY (with or without a final newline, CRLF, BOM)', async () => {
    for (const [name, text] of [['header.tsv', 'user\tsong\tplays\n'], ['header-nonl.tsv', 'user\tsong\tplays'], ['header-crlf.tsv', 'user_id\titem_id\tcount\r\n\r\n'], ['header-bom.tsv', '\ufeffuser\titem\tcount\n\n']]) {
      await assert.rejects(readTriplets(write(name, text)), (err: EarshotError) => {
        assert.equal(err.code, 'ERR_TRIPLETS_EMPTY', err.message);
        assert.ok(err.message.startsWith(`${path.join(tmp, name)}: no data rows`), err.message);
        return true;
      });
    }
    const p = new TripletParser({ name: 'h.tsv' });
    p.push(Buffer.from('user\tsong\tplays\n'));
    assert.throws(() => p.end(), (err: EarshotError) => err.code === 'ERR_TRIPLETS_EMPTY' && /^h\.tsv: no data rows \(1 lines read; line 1 is not a play count, a header\?: "user\\tsong\\tplays"\)$/.test(err.message));
  });

  test('a bad first line followed by data is still ERR_TRIPLETS_FORMAT naming line 1', async () => {
    for (const chunk of [0, 1, 7]) {
      const bytes = Buffer.from('user\tsong\tplays\nu1\ts1\t3\nu2\ts2\t1\n');
      const p = new TripletParser({ name: 'hd.tsv' });
      assert.throws(() => {
        if (chunk === 0) p.push(bytes);
        else for (let i = 0; i < bytes.length; i += chunk) p.push(bytes.subarray(i, i + chunk));
        p.end();
      }, (err: EarshotError) => err.code === 'ERR_TRIPLETS_FORMAT' && err.message === 'hd.tsv:1: count is not a non-negative number: "user\\tsong\\tplays"');
    }
    await assert.rejects(readTriplets(write('bad-first.tsv', 'u0\ts0\tlots\nu1\ts1\t2\n')), { code: 'ERR_TRIPLETS_FORMAT' });
    await assert.rejects(readTriplets(write('bad-second.tsv', 'u0\ts0\t1\nu1\ts1\tplays\n')), { code: 'ERR_TRIPLETS_FORMAT' });
    await assert.rejects(readTriplets(write('only-bad-negative.tsv', 'u0\ts0\t-1\n')), { code: 'ERR_TRIPLETS_FORMAT' }, 'a negative count is no header');
  });

  test('earshot-train wmf on it: ERR_TRIPLETS_EMPTY, exit 1', async () => {
    await failsAtOnce(['wmf', '--input', write('only-header.tsv', 'user\tsong\tplays\n'), '--out', path.join(tmp, 'never')], 1, /no data rows .*\[ERR_TRIPLETS_EMPTY\]$/);
    assert.ok(!fs.existsSync(path.join(tmp, 'never')));
  });
});
