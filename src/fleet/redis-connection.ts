/**
 * Connections to the fleet's Redis (ioredis: Lua scripts by EVALSHA, binary-safe Buffer replies,
 * reconnection with a controllable offline queue and per-command timeouts, maintained by Redis Inc.).
 *
 * Two kinds, because they fail differently on purpose:
 * - commands (writes, snapshots, rollouts): fail fast while Redis is unreachable (no offline queue, no
 *   resend), so an HTTP write answers 503 at once instead of hanging, and time out after
 *   COMMAND_TIMEOUT_MS when Redis accepts the connection but does not answer;
 * - the log reader (XREAD BLOCK): its command waits across an outage and is sent again on reconnect,
 *   with the position it was given, so reading resumes exactly after the last applied entry.
 */
import { Redis } from 'ioredis';
import { EarshotError } from '../errors';
import { FLEET_SCRIPTS, type FleetScript } from './fleet-scripts';
import type { RedisTarget } from './redis-url';

/** A command (a write's Lua script, a snapshot of a few MB) that takes longer has failed: 5 s. */
export const COMMAND_TIMEOUT_MS = 5000;
/** Reconnect delays: 50 ms doubling to 1 s, so a restarted Redis is found within about a second. */
const retryStrategy = (times: number): number => Math.min(50 * 2 ** Math.min(times, 5), 1000);

export type FleetRedis = Redis;

/** Opens one connection and waits until it answers; unreachable: ERR_FLEET_UNAVAILABLE naming the server. */
export async function openRedis(target: RedisTarget, role: 'commands' | 'reader', connectionName: string): Promise<FleetRedis> {
  const redis = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    username: target.username,
    password: target.password,
    ...(target.tls && { tls: { servername: target.host } }),
    connectionName,
    lazyConnect: true,
    connectTimeout: 3000,
    retryStrategy,
    scripts: FLEET_SCRIPTS,
    ...(role === 'commands'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout: COMMAND_TIMEOUT_MS }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null, autoResendUnfulfilledCommands: true }),
  });
  let socketError: Error | undefined; // the reason (ECONNREFUSED…); connect() itself only says "Connection is closed"
  redis.on('error', (err: Error) => (socketError = err)); // later ones: reported through status and the failing commands
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    const m = (socketError ?? (err as Error)).message;
    if (/NOAUTH|WRONGPASS|invalid password/i.test(m)) throw new EarshotError('ERR_FLEET_UNAVAILABLE', `Redis at ${target.display} needs ${target.password ? 'another' : 'a'} password: redis://:PASS@${target.host}:${target.port}/${target.db} (${m})`, { cause: err });
    throw new EarshotError('ERR_FLEET_UNAVAILABLE', `cannot reach Redis at ${target.display}: ${m}`, { cause: err });
  }
  await checkDatabase(redis, target);
  return redis;
}

/**
 * ioredis sends SELECT on connect but reports a refused one only to 'error' listeners and then runs on
 * database 0: another fleet's data. Selecting it again here, where a refusal is an answer, closes that.
 */
async function checkDatabase(redis: FleetRedis, target: RedisTarget): Promise<void> {
  if (target.db === 0) return;
  try {
    await redis.select(target.db);
  } catch (err) {
    const count = await redis.config('GET', 'databases').then((r) => ` (the server has ${(r as string[])[1]})`, () => '');
    redis.disconnect();
    throw new EarshotError('ERR_FLEET_UNAVAILABLE', `Redis at ${target.display}: database ${target.db} does not exist${count}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * A command that failed on the way to Redis as the caller's error. ioredis refuses a command it never
 * sent (no offline queue, retries spent) with its own internals ("Stream isn't writeable…", "Reached
 * the max retries per request limit"): that is "unreachable", and nothing was done. Any other failure
 * (a timeout, the connection lost before the answer) leaves it unknown whether Redis did it: `unsure`.
 */
export function redisFailure(err: unknown, display: string, unsure: string): EarshotError {
  const m = (err as Error).message ?? String(err);
  if (/Stream isn't writeable|max retries per request/i.test(m)) return new EarshotError('ERR_FLEET_UNAVAILABLE', `Redis at ${display} is unreachable: nothing was changed; send it again once it is back`, { cause: err });
  return new EarshotError('ERR_FLEET_UNAVAILABLE', `${unsure}: ${m}`, { cause: err });
}

/** Runs one of FLEET_SCRIPTS (keys first, as its numberOfKeys says); Buffer arguments go as bytes. */
export function runScript(redis: FleetRedis, name: FleetScript, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
  const fn = (redis as unknown as Record<FleetScript, (...a: (string | number | Buffer)[]) => Promise<unknown>>)[name];
  return fn.call(redis, ...keys, ...args);
}

/**
 * Whether an acknowledged write survives a Redis restart: AOF on (`appendonly yes`) is required —
 * without it a restart loses every change since the last RDB save, which breaks the fleet's promise
 * ("nothing acknowledged is lost"), so the replica refuses to start (ERR_FLEET_UNAVAILABLE, naming the
 * fix). `appendfsync always` (fsync before each reply) also survives a power loss; `everysec` survives
 * a Redis crash or kill -9 (the AOF is written before the reply) but may lose the last second on an OS
 * crash: a warning. A server that hides CONFIG (managed Redis) cannot be checked: a warning.
 */
export async function checkDurability(redis: FleetRedis, display: string, warn: (line: string) => void): Promise<void> {
  let config: Record<string, string>;
  try {
    const pairs = (await redis.config('GET', 'append*')) as string[];
    config = Object.fromEntries(pairs.flatMap((v, i) => (i % 2 === 0 ? [[v, pairs[i + 1]]] : [])));
  } catch (err) {
    warn(`warning: cannot read Redis ${display}'s configuration (${(err as Error).message}): make sure it runs with appendonly yes and appendfsync always (docs/fleet.md)`);
    return;
  }
  if (config.appendonly !== 'yes') {
    throw new EarshotError('ERR_FLEET_UNAVAILABLE', `Redis at ${display} runs without its append-only file (appendonly ${config.appendonly ?? '?'}): a restart would lose acknowledged catalogue changes; set appendonly yes and appendfsync always in redis.conf (or CONFIG SET appendonly yes) — docs/fleet.md`);
  }
  if (config.appendfsync !== 'always') {
    warn(`warning: Redis at ${display} has appendfsync ${config.appendfsync}: a Redis crash loses nothing, an OS crash or power loss may lose the last second of acknowledged changes (appendfsync always closes that; docs/fleet.md)`);
  }
}
