// The option values every `earshot` and `earshot-train` command checks with src/cli/args.ts: absent
// values pass through as undefined, bad ones are ERR_INVALID_ARGUMENT in one wording,
// `--<name> must be <what>, got '<value>'`, that names the bounds or the choices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choiceArg, choicesArg, intArg, listArg, numArg, positiveArg } from '../../src/cli/args';

function refused(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: { code?: string; message?: string }) => {
    assert.equal(e.code, 'ERR_INVALID_ARGUMENT');
    assert.equal(e.message, message);
    return true;
  });
}

test('numbers: parsed, bounded, and refused with the bounds named', () => {
  assert.equal(numArg('lr', undefined), undefined);
  assert.equal(numArg('lr', '0.5'), 0.5);
  assert.equal(numArg('lr', '1e-3', 0, 1), 0.001);
  refused(() => numArg('n-fft', 'big'), "--n-fft must be a number, got 'big'");
  refused(() => numArg('n-fft', ' '), "--n-fft must be a number, got ' '");
  refused(() => numArg('lr', 'Infinity'), "--lr must be a number, got 'Infinity'");
  refused(() => numArg('batch-wait-ms', '2000', 0, 1000), "--batch-wait-ms must be a number in 0..1000, got '2000'");
  refused(() => numArg('offset', '-1', 0), "--offset must be a number >= 0, got '-1'");
  refused(() => numArg('gain', '7', -Infinity, 6), "--gain must be a number <= 6, got '7'");
});

test('positive numbers refuse 0 itself', () => {
  assert.equal(positiveArg('seconds', '0.01'), 0.01);
  refused(() => positiveArg('seconds', '0'), "--seconds must be a number > 0, got '0'");
  refused(() => positiveArg('seconds', '4000', 3600), "--seconds must be a number > 0 and <= 3600, got '4000'");
});

test('integers: one message whether the value is fractional, not a number or out of range', () => {
  assert.equal(intArg('port', '8765', 0, 65535), 8765);
  assert.equal(intArg('k', '1e3'), 1000);
  refused(() => intArg('factors', 'many'), "--factors must be an integer, got 'many'");
  refused(() => intArg('height-scale', '1.5', 1, 64), "--height-scale must be an integer in 1..64, got '1.5'");
  refused(() => intArg('port', '70000', 0, 65535), "--port must be an integer in 0..65535, got '70000'");
  refused(() => intArg('top', '0', 1), "--top must be an integer >= 1, got '0'");
});

test('choices: one of a list, named in the message', () => {
  assert.equal(choiceArg('log', undefined, ['db', 'log1p', 'power']), undefined);
  assert.equal(choiceArg('log', 'power', ['db', 'log1p', 'power']), 'power');
  refused(() => choiceArg('log', 'ln', ['db', 'log1p', 'power']), "--log must be db, log1p or power, got 'ln'");
  refused(() => choiceArg('inference-thread', 'gpu', ['worker', 'main']), "--inference-thread must be worker or main, got 'gpu'");
  refused(() => choiceArg('log', 'DB', ['db']), "--log must be db, got 'DB'");
});

test('lists: comma-separated and repeatable, empty items dropped; a selection names the unknown item', () => {
  assert.deepEqual(listArg(undefined), []);
  assert.deepEqual(listArg(' a, b ,,c'), ['a', 'b', 'c']);
  assert.deepEqual(listArg(['a,b', 'c']), ['a', 'b', 'c']);
  const rows = ['random', 'cnn-mse', 'upper-bound'];
  assert.equal(choicesArg('rows', undefined, rows), undefined);
  assert.deepEqual(choicesArg('rows', 'upper-bound, random', rows), ['upper-bound', 'random']);
  refused(() => choicesArg('rows', 'random,cnn-lstm', rows), "--rows must be a comma-separated list of random, cnn-mse or upper-bound, got 'cnn-lstm'");
  refused(() => choicesArg('rows', ',', rows), "--rows must be a comma-separated list of random, cnn-mse or upper-bound, got ','");
});
