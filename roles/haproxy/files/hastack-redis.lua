-- hastack.redis.haproxy: closes the client sessions of a Redis server as soon as it stops being
-- eligible, that is when its role:master check fails OR fewer than a majority of Sentinels name it.
--
-- The frontend's rule decides only when a connection opens, and `on-marked-down shutdown-sessions`
-- fires only on the server's own check. A master cut off from its Sentinels still answers
-- role:master, so without this task its established sessions (every pooled client) keep writing to
-- it after the Sentinels elected another master: writes that are acknowledged and later thrown away.
--
-- It pairs the backends that haproxy.cfg.j2 renders for each Redis server of each service:
--   <service>_<server>        one server named <server>, up while it answers role:master
--   <service>_votes_<server>  one server per Sentinel, up while that Sentinel names <server>
-- and needs a majority of the votes backend's servers up, as the frontend's `nbsrv(...) ge` does.
-- The loop period comes from the environment (`setenv HASTACK_REDIS_SESSION_CHECK_MS` in global).

local period_ms = tonumber(os.getenv("HASTACK_REDIS_SESSION_CHECK_MS") or "") or 50

-- srv_is_up(): running (UP, or UP and going down) and not in maintenance; NOLB/DRAIN still run.
local function is_up(status)
    return status ~= nil and (status:sub(1, 2) == "UP" or status == "NOLB" or status == "DRAIN")
end

-- The first (only) server of a backend, or nil.
local function only_server(backend)
    for name, server in pairs(backend.servers) do
        return name, server
    end
    return nil, nil
end

-- Every Redis server with its votes backend: {label, server, votes, majority}.
local function watched()
    local pairs_found = {}
    for backend_name, backend in pairs(core.backends) do
        local server_name, server = only_server(backend)
        if server ~= nil and backend_name:sub(-(#server_name + 1)) == "_" .. server_name then
            local service = backend_name:sub(1, #backend_name - #server_name - 1)
            local votes = core.backends[service .. "_votes_" .. server_name]
            if votes ~= nil then
                local sentinels = 0
                for _ in pairs(votes.servers) do
                    sentinels = sentinels + 1
                end
                pairs_found[#pairs_found + 1] = {
                    label = backend_name .. "/" .. server_name,
                    server = server,
                    votes = votes,
                    sentinels = sentinels,
                    majority = sentinels // 2 + 1,
                }
            end
        end
    end
    return pairs_found
end

local function guard()
    local routes = watched()
    core.Info(string.format("hastack-redis: watching %d Redis servers every %d ms", #routes, period_ms))
    while true do
        for _, route in ipairs(routes) do
            local stats = route.server:get_stats()
            if tonumber(stats.scur or 0) > 0 then
                local role_up = is_up(stats.status)
                local votes = tonumber(route.votes:get_stats().act or 0)
                if not role_up or votes < route.majority then
                    core.Warning(string.format(
                        "hastack-redis: closing %s sessions to %s: role check %s, %d of %d Sentinels name it (majority %d)",
                        stats.scur, route.label, stats.status, votes, route.sentinels, route.majority))
                    route.server:shut_sess()
                end
            end
        end
        core.msleep(period_ms)
    end
end

core.register_task(guard)
