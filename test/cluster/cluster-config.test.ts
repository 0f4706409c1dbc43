// The configs in deploy/ as shipped: HAProxy's own check (`haproxy -c`) accepts haproxy.cfg and the
// copy the tests run (only its ports rewritten, and a rewrite that cannot find what it rewrites fails
// loudly instead of testing another config); redis-server started from redis.conf runs with what the
// fleet's durability rests on, as Redis itself reports it (CONFIG GET over redis-cli).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { HAPROXY_CFG, proxyConfig, startRedis } from '../helpers/fleet';
import { hostsOrSkip, tempDir } from '../helpers/hosts';

const run = promisify(execFile);

test('haproxy -c accepts deploy/haproxy.cfg and the test copy differs from it only in ports', async (t) => {
  if (!hostsOrSkip(t, 'haproxy')) return;
  const shipped = await run('haproxy', ['-c', '-f', HAPROXY_CFG]);
  assert.match(shipped.stdout + shipped.stderr, /Configuration file is valid/);

  const text = fs.readFileSync(HAPROXY_CFG, 'utf8');
  const copy = proxyConfig(text, { port: 18800, statsPort: 18404, backends: [18801, 18802, 18803] });
  const dir = tempDir('haproxy-check');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'haproxy.cfg'), copy);
  const checked = await run('haproxy', ['-c', '-f', path.join(dir, 'haproxy.cfg')]);
  assert.match(checked.stdout + checked.stderr, /Configuration file is valid/);
  // Line by line: the same file but for the ports 8800, 8404 and 8801-8803.
  const a = text.split('\n');
  const b = copy.split('\n');
  assert.equal(b.length, a.length);
  const changed = a.map((l, i) => [l, b[i]]).filter(([x, y]) => x !== y);
  assert.deepEqual(changed.map(([x, y]) => x.replace(/\b88\d\d\b|\b8404\b/, 'PORT') === y.replace(/\b188\d\d\b|\b18404\b/, 'PORT')), [true, true, true, true, true]);
  // Two backends: the test copy for a 2-replica benchmark drops e3.
  assert.doesNotMatch(proxyConfig(text, { port: 1, statsPort: 2, backends: [3, 4] }), /server e3/);
  assert.throws(() => proxyConfig(text.replace(/^\s*server .*$/gm, ''), { port: 1, statsPort: 2, backends: [3] }), /no "server eN/);
  assert.throws(() => proxyConfig(text.replace('bind 127.0.0.1:8800', 'bind :80'), { port: 1, statsPort: 2, backends: [3] }), /no "bind 127\.0\.0\.1:8800"/);
});

test('redis-server with deploy/redis.conf: AOF on, fsync on every write, loopback only, no eviction', async (t) => {
  if (!hostsOrSkip(t, 'redis-server', 'redis-cli')) return;
  const redis = await startRedis();
  t.after(() => redis.destroy());
  const get = async (key: string): Promise<string> => {
    const r = await run('redis-cli', ['-p', String(redis.port), '--raw', 'CONFIG', 'GET', key]);
    return r.stdout.split('\n')[1]; // key, value (an empty value is an empty line)
  };
  assert.equal(await get('appendonly'), 'yes');
  assert.equal(await get('appendfsync'), 'always');
  assert.equal(await get('save'), '');
  assert.equal(await get('maxmemory-policy'), 'noeviction');
  assert.equal(await get('bind'), '127.0.0.1 -::1');
  assert.equal(await get('dir'), fs.realpathSync(redis.dir), '--dir after the file overrides its own');
  await run('redis-cli', ['-p', String(redis.port), 'SET', 'k', 'v']);
  assert.ok(fs.readdirSync(path.join(redis.dir, 'appendonlydir')).some((f) => f.endsWith('.incr.aof')), 'the AOF is written');
});
