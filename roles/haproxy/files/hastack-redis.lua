-- hastack.redis.haproxy: a task that watches every Redis server HAProxy routes to.
--
-- 1. It closes the client sessions of a server as soon as it stops being eligible, that is when
--    its role:master check fails OR fewer than a majority of Sentinels name it. The frontend's
--    rule decides only when a connection opens, and `on-marked-down shutdown-sessions` fires only
--    on the server's own check: a master cut off from its Sentinels still answers role:master, so
--    its established sessions (every pooled client) would keep writing to it after the Sentinels
--    elected another master, writes acknowledged and later thrown away.
-- 2. It tells keepalived whether this load balancer can route (a file keepalived tracks): "1"
--    once a service has had no eligible server AND fewer than a majority of its Sentinels in
--    sight for longer than a grace time (this host is cut off from the Redis hosts), else "0".
--    During an ordinary failover the Sentinels stay in sight, so no load balancer gives up the VIP.
--
-- 3. After HAProxy itself stood still (its host frozen, e.g. a paused VM or container, or starved)
--    its view of the servers is the one from before: a thawed load balancer would route clients to
--    a master the Sentinels deposed meanwhile until its next checks come in. The sample fetch
--    lua.hastack_redis_fresh is 1 only while this task has run within the last second of wall-clock
--    time and no such gap ended less than HASTACK_REDIS_STALE_HOLD_MS ago: the frontends refuse
--    clients otherwise, so nothing is routed on a stale view. (Wall-clock seconds, os.time(): a gap
--    of two seconds or more is seen.)
--
-- It pairs the backends that haproxy.cfg.j2 renders for each Redis server of each service:
--   <service>_<server>        one server named <server>, up while it answers role:master
--   <service>_votes_<server>  one server per Sentinel, up while that Sentinel names <server>
-- and needs a majority of the votes backend's servers up, as the frontend's `nbsrv(...) ge` does.
-- Settings come from the environment (`setenv` in haproxy.cfg's global section).

local period_ms = tonumber(os.getenv("HASTACK_REDIS_SESSION_CHECK_MS") or "") or 50
local routable_file = os.getenv("HASTACK_REDIS_ROUTABLE_FILE") or ""
local grace_ms = tonumber(os.getenv("HASTACK_REDIS_UNROUTABLE_AFTER_MS") or "") or 500
local stale_hold_ms = tonumber(os.getenv("HASTACK_REDIS_STALE_HOLD_MS") or "") or 1000

-- Wall-clock second of the task's last round, and until when (task time, ms) a gap holds routing.
local last_round_wall = os.time()
local hold_until_ms = 0

local function now_ms()
    local now = core.now()
    return now.sec * 1000 + now.usec // 1000
end

-- 1 while the view of the servers is fresh (see 3. above), else 0.
core.register_fetches("hastack_redis_fresh", function(_txn)
    if os.time() - last_round_wall > 1 or now_ms() < hold_until_ms then
        return 0
    end
    return 1
end)

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

-- {service name = {name, majority, routes = {{label, server, votes, sentinels}}}}
local function watched()
    local services = {}
    for backend_name, backend in pairs(core.backends) do
        local server_name, server = only_server(backend)
        if server ~= nil and backend_name:sub(-(#server_name + 1)) == "_" .. server_name then
            local service_name = backend_name:sub(1, #backend_name - #server_name - 1)
            local votes = core.backends[service_name .. "_votes_" .. server_name]
            if votes ~= nil then
                local sentinels = {}
                for sentinel_name, sentinel in pairs(votes.servers) do
                    sentinels[#sentinels + 1] = {name = sentinel_name, server = sentinel}
                end
                local service = services[service_name]
                if service == nil then
                    service = {name = service_name, majority = #sentinels // 2 + 1, routes = {}}
                    services[service_name] = service
                end
                service.routes[#service.routes + 1] = {
                    label = backend_name .. "/" .. server_name, server = server, votes = votes, sentinels = sentinels,
                }
            end
        end
    end
    return services
end

-- Sentinels of the service that name one of its servers, as this HAProxy sees them.
local function sentinels_in_sight(service)
    local seen, count = {}, 0
    for _, route in ipairs(service.routes) do
        for _, sentinel in ipairs(route.sentinels) do
            if not seen[sentinel.name] and is_up(sentinel.server:get_stats().status) then
                seen[sentinel.name] = true
                count = count + 1
            end
        end
    end
    return count
end

-- Closes the sessions of each ineligible server; returns how many servers are eligible. The
-- warning is logged when the reason changes, not every round: sessions still connecting to a
-- server that does not answer stay counted until `timeout connect`, and would log every period.
local function guard_service(service)
    local eligible = 0
    for _, route in ipairs(service.routes) do
        local stats = route.server:get_stats()
        local votes = tonumber(route.votes:get_stats().act or 0)
        if is_up(stats.status) and votes >= service.majority then
            eligible = eligible + 1
            route.logged = nil
        elseif tonumber(stats.scur or 0) > 0 then
            local reason = string.format("role check %s, %d of %d Sentinels name it (majority %d)",
                stats.status, votes, #route.sentinels, service.majority)
            if reason ~= route.logged then
                core.Warning(string.format("hastack-redis: closing %s sessions to %s: %s", stats.scur, route.label, reason))
                route.logged = reason
            end
            route.server:shut_sess()
        end
    end
    return eligible
end

local last_error = nil

-- Writes "0" or "1" through a rename, so keepalived never reads a half-written file.
local function write_routable(value)
    local temporary = routable_file .. ".new"
    local file, err = io.open(temporary, "w")
    local moved = false
    if file ~= nil then
        file:write(value .. "\n")
        file:close()
        moved, err = os.rename(temporary, routable_file)
    end
    if not moved then
        if err ~= last_error then
            core.Alert("hastack-redis: cannot write " .. routable_file .. ": " .. tostring(err))
        end
        last_error = err
        return false
    end
    last_error = nil
    return true
end

local function guard()
    local services = watched()
    local count = 0
    for _ in pairs(services) do
        count = count + 1
    end
    core.Info(string.format("hastack-redis: watching the Redis servers of %d services every %d ms", count, period_ms))
    local blind_since = {}
    local written = nil
    while true do
        local task_ms = now_ms()
        local wall = os.time()
        if wall - last_round_wall >= 2 then
            hold_until_ms = task_ms + stale_hold_ms
            core.Warning(string.format(
                "hastack-redis: this process stood still for about %d s: no client is routed for %d ms, until fresh checks",
                wall - last_round_wall, stale_hold_ms))
        end
        last_round_wall = wall
        local routable = "0"
        for name, service in pairs(services) do
            local eligible = guard_service(service)
            if eligible > 0 or sentinels_in_sight(service) >= service.majority then
                blind_since[name] = nil
            else
                blind_since[name] = blind_since[name] or task_ms
                if task_ms - blind_since[name] >= grace_ms then
                    routable = "1"
                end
            end
        end
        if routable_file ~= "" and routable ~= written then
            if write_routable(routable) then
                if routable == "1" then
                    core.Warning("hastack-redis: no eligible server and no Sentinel majority in sight: keepalived may move the VIP")
                elseif written ~= nil then
                    core.Warning("hastack-redis: this load balancer can route again")
                end
                written = routable
            end
        end
        core.msleep(period_ms)
    end
end

core.register_task(guard)
