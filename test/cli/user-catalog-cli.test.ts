// A DJ's library end to end through the CLI, as a user types it (docs/catalog.md): `earshot catalog init`,
// `earshot serve --catalog`, `earshot catalog add` of the real clips (../shared/data/audio), then
// `earshot stream` of one of them: it is never suggested (the CLI names the file it plays), the others
// are, with their paths. A catalogue made for another model is refused by `serve` with exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { otherModelBundle } from '../helpers/other-model';
import { startServerProcess } from '../helpers/server-process';
import { distPath, sharedOrSkip } from '../helpers/shared';
import { tempFiles } from '../helpers/temp-files';

const CLI = distPath('src', 'cli', 'earshot.js');
const tmp = tempFiles('user-catalog-cli');

function earshot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface Event {
  type: string;
  track?: string | null;
  playable?: boolean;
  suggestions?: { id: string; uri?: string }[];
}

test('catalog init → serve --catalog → catalog add the clips → stream one: never suggested, the others are', { timeout: 300_000 }, async (t) => {
  const audio = sharedOrSkip(t, 'data/audio');
  if (!audio) return;
  const clips = fs.readdirSync(audio).filter((f) => !f.endsWith('.md')).sort();
  const dir = path.join(tmp.dir, 'my library');
  const init = await earshot(['catalog', 'init', dir]);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /^created an empty catalogue in .*my library for the model of bundle .*default \(model\.onnx sha256 [0-9a-f]{12}…, 50 factors\)\nnext: earshot serve --catalog .*my library, then earshot catalog add <your music folder>\n$/);

  const server = await startServerProcess(['--catalog', dir]);
  try {
    const add = await earshot(['catalog', 'add', audio, '--server', server.url, '--json']);
    assert.equal(add.code, 0, add.stderr);
    const summary = JSON.parse(add.stdout.trim().split('\n').at(-1)!) as { added: number; items: number };
    assert.deepEqual([summary.added, summary.items], [clips.length, clips.length], 'only the user\'s songs: none of the bundle\'s 2,000');

    const playing = 'singularity-awakening.ogg';
    const run = await earshot(['stream', path.join(audio, playing), '--fast', '--jsonl', '--k', '5', '--server', server.url]);
    assert.equal(run.code, 0, run.stderr);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Event);
    assert.equal(events[0].type, 'begin');
    assert.equal(events[0].track, 'singularity-awakening', 'the engine recognised the file by the path catalog add recorded');
    const windows = events.filter((e) => e.type === 'window' || e.type === 'final');
    assert.ok(windows.length >= 25, `${windows.length} window events`);
    const suggested = new Set<string>();
    for (const e of windows) {
      assert.equal(e.suggestions!.length, 5);
      for (const s of e.suggestions!) {
        assert.notEqual(s.id, 'singularity-awakening', `${e.type}: the playing track is never suggested`);
        assert.equal(s.uri, path.join(audio, clips.find((c) => path.parse(c).name === s.id)!), 'a path the DJ can open');
        suggested.add(s.id);
      }
    }
    assert.ok(suggested.size >= 5, `other clips are suggested: ${[...suggested].join(', ')}`);

    // Offline against the same catalogue: the file is recognised as the song made from it, not suggested.
    const offline = await earshot(['analyze', path.join(audio, playing), '--catalog', dir, '--json', '--k', '3']);
    assert.equal(offline.code, 0, offline.stderr);
    const a = JSON.parse(offline.stdout) as { suggestions: { id: string }[]; same_track: { id: string; score: number } | null };
    assert.equal(a.same_track?.id, 'singularity-awakening');
    assert.ok(a.same_track.score > 0.999, `cosine ${a.same_track.score}: the same analysis as catalog add's`);
    assert.equal(a.suggestions.length, 3);
    assert.ok(!a.suggestions.some((s) => s.id === 'singularity-awakening'));

    // Named explicitly (--track), with --playable: begin says both.
    const named = await earshot(['stream', path.join(audio, playing), '--fast', '--jsonl', '--playable', '--track', 'wesnoth-battle', '--server', server.url]);
    assert.equal(named.code, 0, named.stderr);
    const begin = JSON.parse(named.stdout.split('\n')[0]) as Event;
    assert.deepEqual([begin.track, begin.playable], ['wesnoth-battle', true]);
    assert.ok(named.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event).every((e) => !e.suggestions?.some((s) => s.id === 'wesnoth-battle')));
  } finally {
    await server.stop();
  }
});

test('serve --catalog refuses a catalogue made for another model, and a folder that is not a catalogue (exit 2)', { timeout: 120_000 }, async () => {
  const dir = path.join(tmp.dir, 'for the default model');
  const init = await earshot(['catalog', 'init', dir, '--json']);
  assert.equal(init.code, 0, init.stderr);
  const created = JSON.parse(init.stdout) as { event: string; catalog: string; model: { sha256: string; factors: number }; items: number };
  assert.deepEqual([created.event, created.catalog, created.model.factors, created.items], ['created', dir, 50, 0]);
  assert.match(created.model.sha256, /^[0-9a-f]{64}$/);
  const other = otherModelBundle();
  try {
    const r = await earshot(['serve', '--catalog', dir, '--bundle', other, '--port', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^earshot serve: catalogue .* was made for another model \(bundle 'default', model\.onnx sha256 [0-9a-f]{12}…, 50 factors\) than bundle .* holds \(sha256 [0-9a-f]{12}…, 50 factors\): .*earshot catalog init <new dir> --bundle .* \[ERR_INVALID_ARGUMENT\]\n$/);
  } finally {
    fs.rmSync(other, { recursive: true, force: true });
  }
  const notOne = await earshot(['serve', '--catalog', tmp.dir, '--port', '0']);
  assert.equal(notOne.code, 2);
  assert.match(notOne.stderr, /is not a catalogue \(no catalog\.json\); create it with: earshot catalog init .* \[ERR_INVALID_ARGUMENT\]/);
  const usage = await earshot(['catalog', 'init', dir, '--server', 'http://127.0.0.1:1']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--server does not belong to `catalog init`/);
  const twice = await earshot(['catalog', 'init', dir]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /is already a catalogue/);
});
