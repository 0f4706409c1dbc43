// `earshot catalog add` against an engine whose analysis queue is full: a 503 with Retry-After is
// waited out and retried, so a library import shared with other clients loses no file (issue 13:
// busy engines answer 503 + Retry-After instead of stalling).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/shared';

test('catalog add waits out 503 busy (Retry-After) and then adds the file', async () => {
  const times: number[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      times.push(performance.now());
      if (times.length <= 2) {
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'busy', message: 'queue full' } }));
      } else {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'song', factors: [], tags: [], items: 1, ms: 1 }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-busy-'));
  const file = path.join(dir, 'song.wav');
  fs.writeFileSync(file, Buffer.alloc(100, 1));
  try {
    const cli = path.join(repoRoot(), 'dist', 'src', 'cli', 'earshot.js');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, 'catalog', 'add', file, '--server', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '--json'], (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; added?: number; failed?: number });
    assert.equal(lines[0].event, 'added');
    assert.equal(lines.at(-1)!.added, 1);
    assert.equal(times.length, 3, 'two refusals, then the upload that succeeded');
    assert.ok(times[1] - times[0] >= 950 && times[2] - times[1] >= 950, `waited Retry-After between attempts: ${times.map((t) => (t - times[0]).toFixed(0)).join(', ')} ms`);
  } finally {
    server.close();
  }
});
