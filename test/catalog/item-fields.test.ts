// One validation of catalogue item fields (src/catalog/item-fields.ts) on every path that adds songs:
// what is accepted is stored and answered byte for byte (through items.tsv and a restart), what is not
// is refused naming the field and the character, never rewritten.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import { Catalog } from '../../src/catalog/catalog';
import { ITEM_FIELD_LIMITS, itemFieldProblem, itemFieldsProblem } from '../../src/catalog/item-fields';
import { EarshotError } from '../../src/errors';
import { loadBundle } from '../../src/model/bundle';
import { encodeItemsTsv } from '../../src/model/bundle-catalog';
import { startServer } from '../../src/server/server';
import { DEFAULT_BUNDLE, bundleCopy, bundleItems, testAudio } from '../helpers/engine-client';
import { runEarshot, tempDir } from '../helpers/hosts';

const F = 4;
const factors = (n: number): Float32Array => Float32Array.from({ length: n * F }, (_, i) => (i % 7) - 3 + 0.5);

describe('item field rules', () => {
  test('control characters (C0, DEL, C1) are refused naming the field, the code point and the position', () => {
    assert.equal(itemFieldProblem('artist', 'a\tb\rc'), 'artist contains a control character (U+0009 at position 1)');
    assert.equal(itemFieldProblem('id', 'x\u0000'), 'id contains a control character (U+0000 at position 1)');
    assert.equal(itemFieldProblem('id', '\u001b[31mred'), 'id contains a control character (U+001B at position 0)');
    assert.equal(itemFieldProblem('title', 'del\u007f'), 'title contains a control character (U+007F at position 3)');
    assert.equal(itemFieldProblem('title', 'nel\u0085'), 'title contains a control character (U+0085 at position 3)');
    assert.equal(itemFieldProblem('title', '😀\n'), 'title contains a control character (U+000A at position 1)', 'positions count characters');
    assert.equal(itemFieldProblem('uri', '/music/a\u009fb.ogg'), 'uri contains a control character (U+009F at position 8)');
    assert.equal(itemFieldProblem('title', 'half \ud800 pair'), 'title contains an unpaired surrogate (U+D800 at position 5)');
    for (const ok of ['Ärtist “quoted” \\ back', '  spaces  ', '', 'line\u2028sep', '\u00a0nbsp\u00a0', '🎵'.repeat(10)]) {
      assert.equal(itemFieldProblem('artist', ok), null, ok);
    }
  });

  test('ids non-empty, lengths bounded in characters', () => {
    assert.equal(itemFieldProblem('id', ''), 'id must be a non-empty string');
    assert.equal(itemFieldProblem('id', 42), 'id must be a non-empty string');
    assert.equal(itemFieldProblem('artist', null), 'artist must be a string');
    assert.equal(itemFieldProblem('id', 'i'.repeat(ITEM_FIELD_LIMITS.id)), null);
    assert.equal(itemFieldProblem('id', '🎵'.repeat(ITEM_FIELD_LIMITS.id)), null, '256 characters in 512 UTF-16 units');
    assert.equal(itemFieldProblem('id', 'i'.repeat(257)), 'id is 257 characters long; at most 256');
    assert.equal(itemFieldProblem('artist', 'a'.repeat(1024)), null);
    assert.equal(itemFieldProblem('artist', 'a'.repeat(1025)), 'artist is 1025 characters long; at most 1024');
    assert.equal(itemFieldProblem('title', 't'.repeat(900_000)), 'title is 900000 characters long; at most 1024');
    assert.equal(itemFieldProblem('uri', `/${'u'.repeat(2047)}`), null);
    assert.equal(itemFieldProblem('uri', `/${'u'.repeat(2048)}`), 'uri is 2049 characters long; at most 2048');
  });

  test('uri: a path or an http, https or file URL; other schemes are refused by name', () => {
    for (const ok of ['/music/My Song (live).ogg', 'music/a.mp3', './odd:name.mp3', 'C:\\Music\\a.mp3', 'c:/music/a.mp3', 'http://radio.example/a.mp3', 'HTTPS://radio.example/a.mp3', 'file:///music/a%20b.ogg']) {
      assert.equal(itemFieldProblem('uri', ok), null, ok);
    }
    const scheme = (s: string): string => `uri scheme "${s}:" is not allowed (use a path or an http, https or file URL)`;
    assert.equal(itemFieldProblem('uri', 'javascript:alert(1)'), scheme('javascript'));
    assert.equal(itemFieldProblem('uri', 'JavaScript:alert(1)'), scheme('javascript'));
    assert.equal(itemFieldProblem('uri', 'data:text/html,<script>alert(1)</script>'), scheme('data'));
    assert.equal(itemFieldProblem('uri', 'vbscript:msgbox'), scheme('vbscript'));
    assert.equal(itemFieldProblem('uri', 'ftp://host/a.mp3'), scheme('ftp'));
    assert.equal(itemFieldProblem('uri', ' javascript:alert(1)'), 'uri starts or ends with whitespace');
    assert.equal(itemFieldProblem('uri', 'java\tscript:alert(1)'), 'uri contains a control character (U+0009 at position 4)');
    assert.equal(itemFieldProblem('uri', ''), 'uri is empty (leave it out when there is none)');
    // A player or page reads "//host/x" as another host (protocol-relative), "\\\\host\\x" as a network share.
    assert.equal(itemFieldProblem('uri', '//cdn.example/a.mp3'), 'uri starts with two slashes (a network path on another host); write a full http(s):// URL or a local path');
    assert.equal(itemFieldProblem('uri', '\\\\srv\\music\\a.mp3'), 'uri starts with two slashes (a network path on another host); write a full http(s):// URL or a local path');
    // Direction overrides in ids and paths (display spoofing); kept in titles, where mixed scripts need them.
    assert.equal(itemFieldProblem('uri', '/music/\u202egpj.mp3'), 'uri contains a text-direction control character (U+202E at position 7)');
    assert.equal(itemFieldProblem('id', 'a\u2066b'), 'id contains a text-direction control character (U+2066 at position 1)');
    assert.equal(itemFieldProblem('title', 'שיר \u202aLive\u202c'), null);
    assert.equal(itemFieldProblem('uri', 'http://'), 'uri is not a valid http URL');
    assert.equal(itemFieldsProblem({ id: 'x', artist: '', title: '' }), null, 'uri optional');
  });

  test('Catalog.add refuses (all or nothing) with the same message, prefixed by the item', () => {
    const cat = new Catalog([{ id: 'a', artist: '', title: '' }], factors(1), F);
    const bad = (items: { id: string; artist: string; title: string; uri?: string }[], message: string): void => {
      assert.throws(() => cat.add(items, factors(items.length)), (err: EarshotError) => err.code === 'ERR_INVALID_ARGUMENT' && err.message === message);
      assert.equal(cat.size, 1);
    };
    bad([{ id: 'b', artist: 'a\tb\rc', title: '' }], 'items[0].artist contains a control character (U+0009 at position 1)');
    bad([{ id: 'ok', artist: '', title: '' }, { id: 'c\u0000', artist: '', title: '' }], 'items[1].id contains a control character (U+0000 at position 1)');
    bad([{ id: 'd', artist: '', title: '', uri: 'javascript:alert(1)' }], 'items[0].uri scheme "javascript:" is not allowed (use a path or an http, https or file URL)');
    assert.equal(cat.indexOf('ok'), -1, 'nothing of a refused batch was added');
    cat.add([{ id: 'ok', artist: ' a\u00a0b ', title: '“t”', uri: 'file:///m/a.ogg' }], factors(1));
    assert.deepEqual(cat.item(1), { id: 'ok', artist: ' a\u00a0b ', title: '“t”', uri: 'file:///m/a.ogg' });
  });

  test('items.tsv: the writer refuses instead of rewriting; the loader refuses rows that break the rules', async () => {
    assert.throws(() => encodeItemsTsv([{ id: 'x', artist: 'a\tb', title: 't' }]), (err: EarshotError) => err.code === 'ERR_INVALID_ARGUMENT' && err.message === 'items[0].artist contains a control character (U+0009 at position 1)');
    assert.equal(encodeItemsTsv([{ id: 'x', artist: ' a ', title: 't', uri: '/m/x.ogg' }]), 'id\tartist\ttitle\turi\nx\t a \tt\t/m/x.ogg\n');
    const dir = bundleCopy();
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { items: string } };
      const file = path.join(dir, manifest.files.items);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines[3] = lines[3].replace(/\t/, '\x1b\t'); // an ESC at the end of the third song's id
      fs.writeFileSync(file, lines.join('\n'));
      await assert.rejects(loadBundle(dir), (err: EarshotError) => err.code === 'ERR_MODEL_FORMAT' && err.message.endsWith(`${manifest.files.items} line 4: id contains a control character (U+001B at position ${lines[3].indexOf('\x1b')})`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Added {
  status: number;
  body: { id?: string; artist?: string; title?: string; uri?: string; error?: { code: string; message: string } };
}

async function post(base: string, fields: Record<string, string>, wav: Uint8Array<ArrayBuffer>): Promise<Added> {
  const res = await fetch(`${base}/v1/catalog?${new URLSearchParams(fields)}`, { method: 'POST', body: wav });
  return { status: res.status, body: (await res.json()) as Added['body'] };
}

test('POST /v1/catalog: bad fields are 400 naming the field; what is accepted comes back byte-identical after a restart', { timeout: 60_000 }, async () => {
  const dir = bundleCopy();
  const shipped = (await bundleItems(dir)).length; // songs in the copy before any upload
  const wav = new Uint8Array(encodeWavPcm16(testAudio(4, 41), 22050));
  let server = await startServer({ bundleDir: dir, port: 0 }); // persists into the copy
  try {
    const refused: [Record<string, string>, string][] = [
      [{ id: 'tabbed', artist: 'a\tb\rc', title: 'T' }, 'artist contains a control character (U+0009 at position 1)'],
      [{ id: 'nul\u0000id' }, 'id contains a control character (U+0000 at position 3)'],
      [{ id: '\u001b[2Jesc' }, 'id contains a control character (U+001B at position 0)'],
      [{ id: 'title-nl', title: 'one\ntwo' }, 'title contains a control character (U+000A at position 3)'],
      [{ id: 'js', uri: 'javascript:alert(document.cookie)' }, 'uri scheme "javascript:" is not allowed (use a path or an http, https or file URL)'],
      [{ id: 'data', uri: 'data:text/html;base64,PHNjcmlwdD4=' }, 'uri scheme "data:" is not allowed (use a path or an http, https or file URL)'],
      [{ id: 'vb', uri: 'VBScript:msgbox' }, 'uri scheme "vbscript:" is not allowed (use a path or an http, https or file URL)'],
      [{ id: 'i'.repeat(257) }, 'id is 257 characters long; at most 256'],
      [{ id: 'long-artist', artist: 'a'.repeat(1025) }, 'artist is 1025 characters long; at most 1024'],
      [{ id: '' }, 'id must be a non-empty string'],
    ];
    for (const [fields, message] of refused) {
      const r = await post(server.url, fields, wav);
      assert.equal(r.status, 400, `${JSON.stringify(fields).slice(0, 80)}: ${JSON.stringify(r.body).slice(0, 200)}`);
      assert.deepEqual(r.body.error, { code: 'bad_request', message });
    }
    assert.equal(server.engine.recommender.catalog.size, shipped, 'none of them was added');

    const accepted: { id: string; artist: string; title: string; uri?: string }[] = [
      { id: 'ünïcödé 🎵 "quoted" \\ id', artist: '  Leading & trailing  ', title: 'Title with\u2028line separator and “quotes”', uri: '/music/My Song (live) #1.ogg' },
      { id: 'i'.repeat(256), artist: '🎸'.repeat(200) + 'a'.repeat(824), title: 't'.repeat(1024), uri: `https://radio.example/${'p'.repeat(2048 - 23)}` },
      { id: 'file-url', artist: '', title: 'x', uri: 'file:///srv/music/a%20b.flac' },
      { id: 'no-uri', artist: 'A\u00a0B', title: '' },
    ];
    for (const item of accepted) {
      const r = await post(server.url, item as Record<string, string>, wav);
      assert.equal(r.status, 201, JSON.stringify(r.body).slice(0, 200));
      assert.deepEqual({ id: r.body.id, artist: r.body.artist, title: r.body.title, uri: r.body.uri }, { ...item, uri: item.uri }, 'the answer echoes the fields as given');
    }
    const check = (label: string): void => {
      const cat = server.engine.recommender.catalog;
      assert.equal(cat.size, shipped + accepted.length, label);
      for (const item of accepted) assert.deepEqual(cat.item(cat.indexOf(item.id)), item, `${label}: ${item.id.slice(0, 40)}`);
    };
    check('in memory');
    await server.close();
    server = await startServer({ bundleDir: dir, port: 0 });
    check('after a restart from the saved bundle');
    assert.equal((await fetch(`${server.url}/v1/admin/reload`, { method: 'POST' })).status, 200);
    check('after a reload');
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('earshot catalog add: the same rules before the upload, the same message, ERR_INVALID_ARGUMENT', { timeout: 60_000 }, async () => {
  const dir = tempDir('catalog-fields');
  const bad = path.join(dir, 'esc\u001bname.wav');
  fs.writeFileSync(bad, encodeWavPcm16(testAudio(4, 42), 22050));
  fs.writeFileSync(path.join(dir, 'fine.wav'), encodeWavPcm16(testAudio(4, 43), 22050));
  const server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
  try {
    const message = 'id contains a control character (U+001B at position 3)';
    // What the server says about that id ...
    const direct = await post(server.url, { id: 'esc\u001bname' }, new Uint8Array(encodeWavPcm16(testAudio(4, 42), 22050)));
    assert.deepEqual(direct.body.error, { code: 'bad_request', message });
    // ... the CLI says before it uploads anything; the good file is added.
    const r = await runEarshot(['catalog', 'add', dir, '--server', server.url, '--json']);
    const events = r.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(events.map((e) => [e.event, e.id]), [['failed', 'esc\u001bname'], ['added', 'fine'], ['summary', undefined]], r.lines.join('\n'));
    assert.equal(events[0].code, 'ERR_INVALID_ARGUMENT');
    assert.equal(events[0].message, message);
    assert.equal(r.code, 2, 'ERR_INVALID_ARGUMENT is a usage error (exit 2)');
    assert.ok(r.lines.some((l) => l.includes(`${message} [ERR_INVALID_ARGUMENT]`)), r.lines.join('\n'));
    const cat = server.engine.recommender.catalog;
    assert.equal(cat.indexOf('esc\u001bname'), -1);
    assert.deepEqual(cat.item(cat.indexOf('fine')), { id: 'fine', artist: '', title: 'fine', uri: path.join(dir, 'fine.wav') });
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
