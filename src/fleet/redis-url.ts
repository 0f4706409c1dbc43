/**
 * `--redis redis://[user:password@]host[:port][/db]` (or rediss:// for TLS): the fleet's Redis server,
 * checked once here so that `earshot serve` and `earshot fleet` refuse a bad URL the same way before
 * anything connects (ERR_INVALID_ARGUMENT: exit 2).
 */
import { EarshotError } from '../errors';

export interface RedisTarget {
  host: string;
  /** TCP port; default 6379. */
  port: number;
  /** Logical database (SELECT); default 0. */
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL without its password, for logs and /healthz. */
  display: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

function bad(url: string, why: string): EarshotError {
  const shown = url.replace(/\/\/([^@/]*)@/, '//***@'); // never echo a password
  return new EarshotError('ERR_INVALID_ARGUMENT', `--redis must be redis://host[:port][/db] (or rediss://), got '${shown}': ${why}`);
}

export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad(url, 'not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad(url, `the scheme must be redis: or rediss:, not ${u.protocol}`);
  if (u.hostname === '') throw bad(url, 'no host');
  if (u.search || u.hash) throw bad(url, 'query strings and fragments are not taken');
  const port = u.port === '' ? 6379 : Number(u.port); // URL itself refuses ports over 65535 and non-digits
  if (port < 1) throw bad(url, 'the port must be 1..65535');
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!/^\d{1,5}$/.test(dbText || '0') || !Number.isInteger(db)) throw bad(url, `the database must be a number (/0, /1, …), got /${dbText}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1'); // an IPv6 literal without its brackets
  return {
    host,
    port,
    db,
    ...(u.username && { username: decodeURIComponent(u.username) }),
    ...(u.password && { password: decodeURIComponent(u.password) }),
    tls: u.protocol === 'rediss:',
    display: `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}/${db}`,
  };
}
