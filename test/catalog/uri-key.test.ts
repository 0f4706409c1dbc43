// uriKey (src/catalog/uri-key.ts): the names of one file that match each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uriKey } from '../../src/catalog/uri-key';

test('file:// URLs become their decoded paths; other names stay as written', () => {
  const cases: [string, string][] = [
    ['file:///home/dj/Music/a%20b.mp3', '/home/dj/Music/a b.mp3'],
    ['FILE:///x/%C3%A9t%C3%A9.flac', '/x/été.flac'],
    ['file://localhost/x/y.ogg', '/x/y.ogg'],
    ['file:///C:/Music/a.mp3', 'C:/Music/a.mp3'],
    ['file://nas/share/a.mp3', 'file://nas/share/a.mp3'],
    ['/home/dj/Music/a b.mp3', '/home/dj/Music/a b.mp3'],
    ['https://radio.example/a%20b.ogg', 'https://radio.example/a%20b.ogg'],
    ['music/a.mp3', 'music/a.mp3'],
    ['file:///bad%zz', 'file:///bad%zz'],
  ];
  for (const [input, want] of cases) assert.equal(uriKey(input), want, input);
});
