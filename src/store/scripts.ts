/**
 * Lua scripts for the writes that must be atomic. Each runs inside Redis, so no other client
 * can interleave: a record deleted meanwhile is not resurrected, a state guard cannot be
 * raced, and a spawn limit cannot be exceeded by parallel spawns.
 */
import { Script } from "../redis/script.ts";
import { RESTATE_LUA } from "./task_states.ts";

/**
 * The Lua of a partial write of a hash record that must already exist, its arguments from
 * ARGV[first] on: nAllowed, allowed states..., nDel, fields to delete..., field, value...
 * `after` runs once the record is written. Returns 1 when written, 0 when the record does not
 * exist, -1 when its state is not allowed. One source for both scripts below, each sent as
 * its own script, so a plain record write carries no task state sets.
 */
function guardedWriteLua(first: number, after = ""): string {
  return `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local i = ${first}
local nallowed = tonumber(ARGV[i]); i = i + 1
if nallowed > 0 then
  local cur = redis.call('HGET', KEYS[1], 'state')
  local ok = false
  for j = i, i + nallowed - 1 do if ARGV[j] == cur then ok = true end end
  if not ok then return -1 end
end
i = i + nallowed
local ndel = tonumber(ARGV[i]); i = i + 1
if ndel > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, i, i + ndel - 1)) end
i = i + ndel
if i <= #ARGV then redis.call('HSET', KEYS[1], unpack(ARGV, i, #ARGV)) end
${after}return 1
`;
}

/**
 * Partial write of a hash record that must already exist (guardedWriteLua).
 * KEYS[1] = hash. ARGV = nAllowed, allowed states..., nDel, fields to delete..., field, value...
 */
export const GUARDED_WRITE = new Script(guardedWriteLua(1));

/**
 * GUARDED_WRITE for a task record, which also moves the task's id to the state set of the
 * state it has after the write, in the same step.
 * KEYS[1] = task hash, KEYS[2..7] = state sets. ARGV = task id, then as GUARDED_WRITE.
 */
export const TASK_GUARDED_WRITE = new Script(
  RESTATE_LUA + guardedWriteLua(2, "restate(2, ARGV[1], redis.call('HGET', KEYS[1], 'state'))\n"),
);

/**
 * Registers a new agent unless the town already has `max` active agents (0 = no limit) or the
 * new agent could be mistaken for one already in the town (any state): names are used in file
 * paths and references, compared ignoring (ASCII) case, as `string.lower` does.
 * - the same name as a live agent: refused (a stopped agent's exact name may be taken over);
 * - a name equal to another agent's name in another case, or to another agent's nickname;
 * - a nickname equal to another agent's name.
 * KEYS[1] = agents index set, KEYS[2] = the new agent's hash.
 * ARGV = max, agent key prefix, agent id, name, nickname ('' for none), field, value...
 * Returns the number of active agents including the new one, -(active) when full, or
 * { why, other agent's name, its state, its nickname or '' } with why one of 'name-taken',
 * 'name-case', 'name-is-nickname', 'nickname-is-name'.
 */
export const CREATE_AGENT = new Script(`
local max = tonumber(ARGV[1])
local name, lname, lnick = ARGV[4], string.lower(ARGV[4]), string.lower(ARGV[5])
local active = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local rec = redis.call('HMGET', ARGV[2] .. id, 'state', 'name', 'nickname')
  local st, other, nick = rec[1], rec[2], rec[3]
  local live = st == 'starting' or st == 'idle' or st == 'working' or st == 'paused' or
    st == 'draining'
  if live then active = active + 1 end
  local clash
  if other == name then
    if live then clash = 'name-taken' end
  elseif other then
    if string.lower(other) == lname then clash = 'name-case'
    elseif lnick ~= '' and string.lower(other) == lnick then clash = 'nickname-is-name'
    elseif nick and string.lower(nick) == lname then clash = 'name-is-nickname' end
  end
  if clash then return { clash, other, st or '', nick or '' } end
end
if max > 0 and active >= max then return -active end
redis.call('HSET', KEYS[2], unpack(ARGV, 6, #ARGV))
redis.call('SADD', KEYS[1], ARGV[3])
return active + 1
`);

/**
 * Moves up to `max` waiting messages (urgent list first) into the agent's in-flight lists and
 * returns everything in flight: { urgent in flight, regular in flight }.
 * KEYS = urgent, inbox, inflight-urgent, inflight. ARGV[1] = max messages to move (0 = all).
 */
export const TAKE_MESSAGES = new Script(`
local max = tonumber(ARGV[1])
local moved = 0
for pair = 0, 1 do
  local src, dst = KEYS[1 + pair], KEYS[3 + pair]
  while max == 0 or moved < max do
    local v = redis.call('LMOVE', src, dst, 'LEFT', 'RIGHT')
    if not v then break end
    moved = moved + 1
  end
end
return { redis.call('LRANGE', KEYS[3], 0, -1), redis.call('LRANGE', KEYS[4], 0, -1) }
`);

/**
 * Claims a backlog task for one agent: removes the id from the backlog and assigns the task
 * only if it was still there, so exactly one of many claimers wins. With KEYS[3], the winner's
 * task_assign message is delivered in the same step, so no task is assigned without its message.
 * A finished task (completed, failed, cancelled) is never reassigned: its stale backlog entries
 * are dropped instead.
 * KEYS[1] = backlog, KEYS[2] = task hash, KEYS[3..8] = task state sets, [KEYS[9] = inbox].
 * ARGV = task id, agent id, updated_at, [message JSON, 'front' | 'back'].
 * Returns 1 when claimed, 0 when the id was not in the backlog, -1 when the task is missing,
 * -2 when the task is already finished.
 */
export const CLAIM_TASK = new Script(`${RESTATE_LUA}
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
local st = redis.call('HGET', KEYS[2], 'state')
if st == 'completed' or st == 'failed' or st == 'cancelled' then
  redis.call('LREM', KEYS[1], 0, ARGV[1])
  return -2
end
-- Every copy goes: a duplicate id (old data, merged backlogs) must not be claimable again.
if redis.call('LREM', KEYS[1], 0, ARGV[1]) == 0 then return 0 end
-- A stale entry of a task someone already holds is dropped, not handed to a second agent.
if st ~= 'pending' then return 0 end
redis.call('HSET', KEYS[2], 'state', 'assigned', 'assigned_to', ARGV[2], 'updated_at', ARGV[3])
restate(3, ARGV[1], 'assigned')
if KEYS[9] then
  if ARGV[5] == 'front' then redis.call('LPUSH', KEYS[9], ARGV[4])
  else redis.call('RPUSH', KEYS[9], ARGV[4]) end
end
return 1
`);

/**
 * An agent's task ended: heartbeat, and clear `current_task` if it still names that task.
 * KEYS[1] = agent hash. ARGV = task id, last_heartbeat value.
 * Returns 1 when cleared, 2 when the pointer names something else (or nothing), 0 when the
 * agent record does not exist.
 */
export const RELEASE_TASK = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'last_heartbeat', ARGV[2])
if redis.call('HGET', KEYS[1], 'current_task') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'current_task')
  return 1
end
return 2
`);

/**
 * Puts an agent's in-flight messages back at the front of the lists they came from, in order,
 * in one step (so a loop starting meanwhile cannot take them twice or lose them). With
 * ARGV[1] = '1' each is marked redelivered by appending the field tt's encoder writes last;
 * an entry that is not a JSON object goes back as it was (the next take dead-letters it).
 * KEYS = inflight-urgent, inflight, urgent, inbox. Returns how many were put back.
 */
export const REDELIVER = new Script(`
local moved = 0
local function back(src, dst)
  local items = redis.call('LRANGE', src, 0, -1)
  for i = #items, 1, -1 do
    local v = items[i]
    if ARGV[1] == '1' and string.sub(v, -1) == '}' and
        not string.find(v, '"redelivered":true', 1, true) then
      v = string.sub(v, 1, -2) .. ',"redelivered":true}'
    end
    redis.call('LPUSH', dst, v)
    moved = moved + 1
  end
  redis.call('DEL', src)
end
back(KEYS[1], KEYS[3])
back(KEYS[2], KEYS[4])
return moved
`);

/**
 * Takes one waiting message into flight, urgent list first, and returns which list it came
 * from and its text: { 1 = urgent | 0 = inbox, raw }, or false when both are empty.
 * KEYS = urgent, inbox, inflight-urgent, inflight.
 */
export const TAKE_ONE = new Script(`
local v = redis.call('LMOVE', KEYS[1], KEYS[3], 'LEFT', 'RIGHT')
if v then return { 1, v } end
v = redis.call('LMOVE', KEYS[2], KEYS[4], 'LEFT', 'RIGHT')
if v then return { 0, v } end
return false
`);

/**
 * Puts one taken message back at the front of the list it came from, but only while it is
 * still in flight (a recovery may have put it back already; it must not appear twice).
 * KEYS = the in-flight list, the source list. ARGV[1] = the exact text. Returns 1 or 0.
 */
export const RETURN_ONE = new Script(`
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
`);

/**
 * Takes the first waiting message whose correlation id is ARGV[1] into flight (urgent list
 * first), leaving every other message where it is: { 1 = urgent | 0 = inbox, raw }, or false.
 * KEYS = urgent, inbox, inflight-urgent, inflight.
 */
export const TAKE_REPLY = new Script(`
for pair = 0, 1 do
  local src, dst = KEYS[1 + pair], KEYS[3 + pair]
  for _, v in ipairs(redis.call('LRANGE', src, 0, -1)) do
    if string.find(v, ARGV[1], 1, true) then
      local ok, o = pcall(cjson.decode, v)
      if ok and type(o) == 'table' and o['correlation_id'] == ARGV[1] then
        redis.call('LREM', src, 1, v)
        redis.call('RPUSH', dst, v)
        return { 1 - pair, v }
      end
    end
  end
end
return false
`);

/**
 * Sets the agent's last_heartbeat, but only on an existing record (a pruned agent must not
 * come back as a stub). Sent as plain EVAL inside the lease pipeline. KEYS[1] = agent hash,
 * ARGV[1] = the time.
 */
export const TOUCH_HEARTBEAT =
  "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'last_heartbeat', ARGV[1]) end";

/**
 * Runs the queued writes of a new task only while its hash does not exist, so two pushes of
 * the same file at once create it (and its backlog entry or message) once.
 * KEYS[1] = task hash. ARGV = per command: its argument count, then its arguments.
 */
export const CREATE_ONCE = new Script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return 1
`);

/**
 * Appends a task to the backlog unless it is there already or no longer pending (claimed by
 * an agent meanwhile). KEYS = backlog, task hash. ARGV[1] = task id. Returns 1 when added.
 */
export const BACKLOG_ONCE = new Script(`
if redis.call('HGET', KEYS[2], 'state') ~= 'pending' then return 0 end
if redis.call('LPOS', KEYS[1], ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1
`);
