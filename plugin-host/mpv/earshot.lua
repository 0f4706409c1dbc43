-- earshot for mpv: when a file starts, ask the earshot engine what it hears in it (style and mood tags,
-- the most similar catalogue songs) and show that on the OSD and in mpv's log.
--
-- mpv scripts cannot read decoded samples, so the file itself is sent: curl POSTs it to the engine's
-- /v1/analyze (docs/protocol.md), which decodes it and averages the model over its windows, the same
-- clip prediction `earshot analyze` prints. curl runs as an mpv subprocess, asynchronously: playback
-- never waits for the engine. Only local files are sent (a URL stream: use `earshot stream`).
--
-- Options (--script-opts=earshot-server=…,earshot-k=… or script-opts/earshot.conf):
--   server        engine address                           http://127.0.0.1:8765
--   token         bearer token (default: $EARSHOT_TOKEN)
--   k             suggestions to ask for                   5
--   tags          tags to ask for                          5
--   hop           seconds between windows ('' = the engine's default, one window ≈ 3 s)
--   exclude_self  leave the playing file out of its own suggestions (its catalogue id is the file
--                 name without extension, as `earshot catalog add` names it)   yes
--   auto          analyze every file as it loads (else only on script-binding earshot/analyze)  yes
--   osd_seconds   how long the OSD shows the result        6
--   timeout       seconds before curl gives up (a long file takes a moment)    60
-- Key bindings (none by default; add to input.conf): `E script-binding earshot/show` shows the last
-- result again, `script-binding earshot/analyze` asks again.

local mp = require 'mp'
local msg = require 'mp.msg'
local utils = require 'mp.utils'
local options = require 'mp.options'

local opts = {
    server = 'http://127.0.0.1:8765',
    token = '',
    k = 5,
    tags = 5,
    hop = '',
    exclude_self = true,
    auto = true,
    osd_seconds = 6,
    timeout = 60,
}
options.read_options(opts, 'earshot')
if opts.token == '' then opts.token = os.getenv('EARSHOT_TOKEN') or '' end

-- Each request is numbered: an answer for a file that is no longer playing is dropped, not shown.
local generation = 0
local last_text = nil

local function urlencode(s)
    return (s:gsub('[^%w%-%._~]', function(c) return string.format('%%%02X', c:byte()) end))
end

-- The playing file's path, or nil with the reason (a URL, a DVD, a vanished file).
local function local_file(path)
    if path == nil then return nil, 'nothing is playing' end
    if path:match('^file://') then
        path = path:gsub('^file://', ''):gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end)
    end
    if path:match('^%a[%w+.-]*://') then
        return nil, 'not a local file: ' .. path
    end
    -- A relative path is relative to the process's directory, which curl (a child process) shares.
    local info = utils.file_info(path)
    if not info or not info.is_file then return nil, 'not a readable file: ' .. path end
    return path
end

local function id_of(path)
    local name = path:match('([^/\\]+)$') or path
    return (name:gsub('%.[^.]*$', ''))
end

local function show(text)
    last_text = text
    mp.osd_message(text, tonumber(opts.osd_seconds) or 6)
end

local function report(path, r)
    local name = path:match('([^/\\]+)$') or path
    msg.info(string.format('%s: %d windows, %.1f s', name, r.windows or 0, r.duration_s or 0))
    local tags, short = {}, {}
    for _, t in ipairs(r.tags or {}) do
        tags[#tags + 1] = string.format('%s %.3f', t.tag, t.p)
        short[#short + 1] = string.format('%s %d%%', t.tag, math.floor(t.p * 100 + 0.5))
    end
    msg.info('tags: ' .. table.concat(tags, ', '))
    local next_lines = {}
    for i, s in ipairs(r.suggestions or {}) do
        -- "artist – title"; a song without an artist shows its title alone, one without a title its id.
        local title = (s.title ~= nil and s.title ~= '') and s.title or s.id
        local who = (s.artist ~= nil and s.artist ~= '') and (s.artist .. ' – ' .. title) or title
        msg.info(string.format('next %d: %s %s (%.3f)', i, s.id, who, s.score or 0))
        if i <= 3 then next_lines[#next_lines + 1] = '  ' .. who end
    end
    show('earshot: ' .. table.concat(short, ' · ') .. '\nsounds like:\n' .. table.concat(next_lines, '\n'))
end

local function failed(why)
    msg.error(why)
    show('earshot: ' .. why)
end

local function analyze()
    generation = generation + 1
    local gen = generation
    local path, why = local_file(mp.get_property('path'))
    if not path then
        msg.info('skipped: ' .. why)
        return
    end
    local q = { 'k=' .. urlencode(tostring(opts.k)), 'tags=' .. urlencode(tostring(opts.tags)) }
    if opts.hop ~= '' then q[#q + 1] = 'hop=' .. urlencode(tostring(opts.hop)) end
    if opts.exclude_self then q[#q + 1] = 'exclude=' .. urlencode(id_of(path)) end
    local url = opts.server:gsub('/+$', '') .. '/v1/analyze?' .. table.concat(q, '&')
    -- Headers come from stdin (-H @-) so that the token never shows in the process list.
    local headers = 'Content-Type: application/octet-stream\n'
    if opts.token ~= '' then headers = headers .. 'Authorization: Bearer ' .. opts.token .. '\n' end
    local args = {
        'curl', '-sS', '--max-time', tostring(opts.timeout), '-X', 'POST', '-H', '@-',
        '--data-binary', '@' .. path, '-w', '\n%{http_code}', url,
    }
    msg.verbose('POST ' .. path .. ' to ' .. url)
    mp.command_native_async({
        name = 'subprocess', args = args, stdin_data = headers,
        capture_stdout = true, capture_stderr = true, playback_only = false,
    }, function(ok, res, err)
        if gen ~= generation then return end -- another file (or request) since
        if not ok or res == nil or res.error_string == 'init' then
            return failed('cannot run curl: ' .. tostring(err or (res and res.error_string)))
        end
        if res.status ~= 0 then
            return failed(string.format('cannot reach %s (curl %d: %s)', opts.server, res.status, (res.stderr or ''):gsub('%s+$', '')))
        end
        local body, code = (res.stdout or ''):match('^(.*)\n(%d%d%d)$')
        local r = body and utils.parse_json(body)
        if code ~= '200' then
            local e = r and r.error
            return failed(string.format('HTTP %s %s', tostring(code), e and (e.code .. ': ' .. e.message) or (body or '')))
        end
        if type(r) ~= 'table' then return failed('the engine answered something that is not JSON') end
        report(path, r)
    end)
end

mp.register_event('file-loaded', function()
    if opts.auto then analyze() end
end)
mp.register_event('end-file', function() generation = generation + 1 end)
mp.add_key_binding(nil, 'analyze', analyze)
mp.add_key_binding(nil, 'show', function()
    if last_text then mp.osd_message(last_text, tonumber(opts.osd_seconds) or 6) else mp.osd_message('earshot: no result yet') end
end)
