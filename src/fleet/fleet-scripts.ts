/**
 * The fleet's Lua scripts. Redis runs a script atomically (no other command in between), so each check
 * and the XADD it guards are one step: of two concurrent adds of one id exactly one finds the id absent
 * from the id set, and every entry's `seq` is the previous one's plus one. ioredis sends them by
 * EVALSHA (EVAL the first time a server has not seen one).
 */

/**
 * KEYS: ids, log, seq, space. ARGV: op, song id, model identity (adds; '' otherwise), then the entry's
 * field/value pairs. Returns { stream id, seq }; refusals are errors starting EARSHOT_<REASON>.
 */
const APPEND_CHANGE = `
local op, song, space = ARGV[1], ARGV[2], ARGV[3]
if op == 'add' then
  local current = redis.call('GET', KEYS[4])
  if current ~= space then return redis.error_reply('EARSHOT_MODEL_CHANGED ' .. tostring(current)) end
  if redis.call('SADD', KEYS[1], song) == 0 then return redis.error_reply('EARSHOT_DUPLICATE_ID') end
elseif op == 'remove' then
  if redis.call('SREM', KEYS[1], song) == 0 then return redis.error_reply('EARSHOT_UNKNOWN_ID') end
else
  if redis.call('SISMEMBER', KEYS[1], song) == 0 then return redis.error_reply('EARSHOT_UNKNOWN_ID') end
end
local seq = redis.call('INCR', KEYS[3])
local args = {'XADD', KEYS[2], '*', 'seq', seq}
for i = 4, #ARGV do args[#args + 1] = ARGV[i] end
return {redis.call(unpack(args)), seq}
`;

/**
 * A model rollout. KEYS: ids, log, seq, space. ARGV: bundle revision, its model identity, then the ids
 * of the bundle's own songs: when the identity differs from the fleet's, the catalogue restarts from
 * those songs (the old factors mean nothing to the new model) and the id set with it. Returns
 * { stream id, seq, '1' when it reset the catalogue else '0' }.
 */
const APPEND_ROLLOUT = `
local reset = '0'
if redis.call('GET', KEYS[4]) ~= ARGV[2] then
  reset = '1'
  redis.call('DEL', KEYS[1])
  for i = 3, #ARGV do redis.call('SADD', KEYS[1], ARGV[i]) end
  redis.call('SET', KEYS[4], ARGV[2])
end
local seq = redis.call('INCR', KEYS[3])
return {redis.call('XADD', KEYS[2], '*', 'seq', seq, 'op', 'bundle', 'revision', ARGV[1], 'space', ARGV[2], 'reset', reset), seq, reset}
`;

/**
 * Creates the fleet once: the first replica's bundle and songs become snapshot 0, already staged as a
 * version hash and a set of ids (both expiring until published: ./fleet-snapshot-write.ts). KEYS:
 * snapshot pointer, ids, space, seq, version, staged ids. ARGV: revision, model identity, song count,
 * the version's expected field count. Returns 1 when it created the fleet, 0 when it existed.
 */
const CREATE_FLEET = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('HLEN', KEYS[5]) ~= tonumber(ARGV[4]) then return redis.error_reply('EARSHOT_SNAPSHOT_INCOMPLETE ' .. KEYS[5]) end
if redis.call('SCARD', KEYS[6]) ~= tonumber(ARGV[3]) then return redis.error_reply('EARSHOT_SNAPSHOT_INCOMPLETE ' .. KEYS[6]) end
redis.call('PERSIST', KEYS[5])
redis.call('HSET', KEYS[1], 'seq', '0', 'stream', '0-0', 'revision', ARGV[1], 'space', ARGV[2], 'songs', ARGV[3], 'key', KEYS[5])
redis.call('DEL', KEYS[2])
if tonumber(ARGV[3]) > 0 then
  redis.call('RENAME', KEYS[6], KEYS[2])
  redis.call('PERSIST', KEYS[2])
end
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SET', KEYS[4], '0')
return 1
`;

/**
 * Publishes a staged snapshot version: switches the pointer to it, trims the log before it and gives
 * the previous version a grace expiry (a replica still reading it finishes). KEYS: snapshot pointer,
 * log, new version, previous version (as the writer read the pointer; the new one when there was none).
 * ARGV: seq, stream id, revision, model identity, song count, the previous version's name ('' for
 * none), the new version's expected field count, grace (s). Returns 1 when published, 0 when the
 * pointer holds a snapshot at least as new (two replicas racing cannot move the snapshot back), -1 when
 * the pointer moved since the writer read it (read it again and retry).
 */
const PUBLISH_SNAPSHOT = `
local held = tonumber(redis.call('HGET', KEYS[1], 'seq') or '-1')
if held >= tonumber(ARGV[1]) then return 0 end
if (redis.call('HGET', KEYS[1], 'key') or '') ~= ARGV[6] then return -1 end
if redis.call('HLEN', KEYS[3]) ~= tonumber(ARGV[7]) then return redis.error_reply('EARSHOT_SNAPSHOT_INCOMPLETE ' .. KEYS[3]) end
redis.call('PERSIST', KEYS[3])
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'stream', ARGV[2], 'revision', ARGV[3], 'space', ARGV[4], 'songs', ARGV[5], 'key', KEYS[3])
redis.call('HDEL', KEYS[1], 'items', 'factors')
if ARGV[6] ~= '' then redis.call('EXPIRE', KEYS[4], ARGV[8]) end
redis.call('XTRIM', KEYS[2], 'MINID', ARGV[2])
return 1
`;

/** Deletes a lock only if it still holds this replica's token (it may have expired and been taken). KEYS: lock. ARGV: token. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Extends a lock only if it still holds this replica's token: a snapshot writer renews it with each
 * chunk, so a write longer than the lock's expiry (10M songs: about 1.5 min) keeps others from
 * starting the same work. KEYS: lock. ARGV: token, expiry (ms). Returns 1 when renewed.
 */
const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

export const FLEET_SCRIPTS = {
  earshotAppendChange: { lua: APPEND_CHANGE, numberOfKeys: 4 },
  earshotAppendRollout: { lua: APPEND_ROLLOUT, numberOfKeys: 4 },
  earshotCreateFleet: { lua: CREATE_FLEET, numberOfKeys: 6 },
  earshotPublishSnapshot: { lua: PUBLISH_SNAPSHOT, numberOfKeys: 4 },
  earshotReleaseLock: { lua: RELEASE_LOCK, numberOfKeys: 1 },
  earshotRenewLock: { lua: RENEW_LOCK, numberOfKeys: 1 },
} as const;

export type FleetScript = keyof typeof FLEET_SCRIPTS;
