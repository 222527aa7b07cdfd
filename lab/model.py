# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Molecule lab as the benchmark sees it: its hosts and addresses, what
each Sentinel, Redis server and HAProxy says, who holds the VIP, and ways to
break and mend services inside the containers (`docker exec`).

Hosts, addresses and secrets come from the lab's one definition
(lab/definition.py reads .config/molecule/config.yml, with LAB_FRONT_PREFIX /
LAB_BACK_PREFIX applied like the lab does); use_scenario() reads the shape a
scenario gives it (molecule/lb_hosts: load balancers of their own).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import time
import typing as t

from ansible_collections.hastack.redis.lab import definition
from ansible_collections.hastack.redis.plugins.filter import vip
from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisConnection, RedisError, TlsOptions

VIP = ""
SERVERS: dict[str, str] = {}
SENTINELS: dict[str, str] = {}
LOAD_BALANCERS: list[str] = []
FRONT_ADDRESSES: dict[str, str] = {}
MASTER_NAME = APP_USER = APP_PASSWORD = ADMIN_USER = ADMIN_PASSWORD = SENTINEL_PASSWORD = ""
# The whole definition use_scenario() read, for the variables this module does not name.
FOUND: definition.Definition | None = None
# Whether the scenario turns TLS on (hastack_tls), and then the lab CA's file on this machine (use_tls).
TLS = False
TLS_CA = ""


def use_scenario(scenario: str = "") -> None:
    """Read the lab as `scenario` shapes it ('' or one that keeps the base lab's hosts: the reference lab):
    its VIP, Redis servers (use_witness_server() adds the witness), Sentinels and load balancers, names and secrets."""
    global VIP, MASTER_NAME, APP_USER, APP_PASSWORD, ADMIN_USER, ADMIN_PASSWORD, SENTINEL_PASSWORD, TLS, FOUND  # pylint: disable=global-statement
    found = FOUND = definition.load({name: value for name, value in os.environ.items() if name != "LAB_WITNESS_GROUP"}, scenario=scenario)
    VIP = found.value("hastack_vip")
    # The dicts and the list are filled in place: modules that imported them see the change.
    for target, source in ((SERVERS, found.addresses("redis_servers", "back")), (SENTINELS, found.addresses("redis_sentinels", "back")),
                           (FRONT_ADDRESSES, {host: found.host_value(host, "lab_front_ip") for host in found.groups})):
        target.clear()
        target.update(source)
    LOAD_BALANCERS[:] = found.hosts("redis_lb")
    MASTER_NAME = found.value("hastack_master_name")
    APP_USER, APP_PASSWORD = "app", found.value("lab_app_password")
    ADMIN_USER, ADMIN_PASSWORD = "admin", found.value("redis_server_admin_password")
    SENTINEL_PASSWORD = found.value("lab_sentinel_password")
    TLS = found.variables.get("hastack_tls") is True


def use_tls(ca_file: str) -> None:
    """Connect with TLS, trusting the lab's CA in `ca_file` (the scenario's prepare.yml made it)."""
    global TLS_CA  # pylint: disable=global-statement
    TLS_CA = ca_file


def tls_options() -> TlsOptions | None:
    """The collection's client's TLS settings: the certificate checked against the lab's CA and the address."""
    return TlsOptions(ca_file=TLS_CA) if TLS_CA else None


use_scenario()
SENTINEL_LOG = "/var/log/redis/redis-sentinel.log"
# A runtime drop-in (gone at the next boot) that keeps systemd from restarting
# a unit the benchmark kills, so that a kill stands for a dead process.
NO_RESTART_DIR = "/run/systemd/system/{unit}.service.d"
NO_RESTART_FILE = "zz-hastack-bench-no-restart.conf"


class LabError(RuntimeError):
    """The lab is not in the state a step needs."""


def docker(*args: str, check: bool = True, timeout: float = 60) -> str:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise LabError(f"docker {' '.join(args)}: rc {result.returncode}: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def sh(host: str, script: str, check: bool = True, timeout: float = 60) -> str:
    return docker("exec", host, "sh", "-c", script, check=check, timeout=timeout)


def ask(address: str, port: int, *words: str, user: str | None = None, password: str = "", timeout: float = 1.0) -> t.Any:
    """One command on a fresh connection (the collection's RESP client); AUTH with `user` (ACL) or the password alone (Sentinel)."""
    try:
        with RedisConnection(address, port, username=user, password=password or None, tls=tls_options(), connect_timeout=timeout,
                             read_timeout=timeout) as conn:
            return conn.command(*words)
    except RedisError as exc:
        raise LabError(f"{' '.join(words)} on {address}:{port}: {exc}") from exc


# The keys and commands of redis-benchmark's SET and GET tests.
BENCHMARK_RULES = ("resetkeys", "~key:*", "-@all", "+set", "+get", "+ping")


@contextlib.contextmanager
def benchmark_user() -> t.Iterator[tuple[str, str]]:
    """A user on every server for the length of a benchmark, allowed only redis-benchmark's SET and GET on its keys,
    with a password made for it: redis-benchmark takes a password only on its command line (it reads no
    REDISCLI_AUTH), where no stack secret may go. (name, password); deleted on every server afterwards."""
    name, password = f"lab-benchmark-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    servers = list(SERVERS.values())
    try:
        for address in servers:
            ask(address, 6379, "ACL", "SETUSER", name, "reset", "on", f">{password}", *BENCHMARK_RULES, user=ADMIN_USER,
                password=ADMIN_PASSWORD)
        yield name, password
    finally:
        for address in servers:
            try:
                ask(address, 6379, "ACL", "DELUSER", name, user=ADMIN_USER, password=ADMIN_PASSWORD)
            except LabError:
                pass


def sentinel_master(sentinel: str) -> str | None:
    """The master address this Sentinel names, None when it does not answer."""
    try:
        answer = ask(SENTINELS[sentinel], 26379, "SENTINEL", "get-master-addr-by-name", MASTER_NAME, password=SENTINEL_PASSWORD)
    except LabError:
        return None
    return answer[0] if answer else None


def sentinel_epoch(sentinel: str) -> int:
    """The master's config epoch: it grows by one with every failover."""
    fields = ask(SENTINELS[sentinel], 26379, "SENTINEL", "master", MASTER_NAME, password=SENTINEL_PASSWORD)
    values = dict(zip(fields[::2], fields[1::2]))
    return int(values["config-epoch"])


def sentinel_tilt(sentinel: str) -> bool:
    """This Sentinel is in TILT mode (it acts on nothing for 30 s, e.g. after its host stood still)."""
    text = ask(SENTINELS[sentinel], 26379, "INFO", "sentinel", password=SENTINEL_PASSWORD)
    return "sentinel_tilt:1" in text.split()


def replication(server: str) -> dict[str, str]:
    """INFO replication of a Redis server as a dict ({} when it does not answer)."""
    try:
        text = ask(SERVERS[server], 6379, "INFO", "replication", user=ADMIN_USER, password=ADMIN_PASSWORD)
    except LabError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def server_named(address: str | None) -> str | None:
    return next((name for name, server in SERVERS.items() if server == address), None)


def master() -> str | None:
    """The server every answering Sentinel names, None while they disagree."""
    named = {sentinel_master(sentinel) for sentinel in SENTINELS}
    named.discard(None)
    return server_named(named.pop()) if len(named) == 1 else None


def named_by(sentinels: t.Iterable[str]) -> str | None:
    """The server every one of `sentinels` names as master; None while one names another or does not answer."""
    named = {sentinel_master(sentinel) for sentinel in sentinels}
    return server_named(named.pop()) if len(named) == 1 else None


def vip_holders() -> list[str]:
    """The load balancers whose VIP is where keepalived puts it (never counting lo)."""
    return vip.vip_holders({lb: sh(lb, "ip -o address show", check=False, timeout=10) for lb in LOAD_BALANCERS}, VIP)


def haproxy_servers(lb: str) -> dict[str, tuple[str, int]]:
    """Each Redis server's (status, total sessions) in this HAProxy's redis backends."""
    csv = sh(lb, 'echo "show stat" | socat stdio UNIX-CONNECT:/run/haproxy/admin.sock', check=False, timeout=10)
    seen = {}
    for line in csv.splitlines():
        fields = line.split(",")
        if len(fields) > 17 and fields[0] == f"redis_{fields[1]}" and fields[1] in SERVERS:
            seen[fields[1]] = (fields[17], int(fields[7] or 0))
    return seen


def sessions_to(server: str) -> int:
    """Client sessions every HAProxy has sent to `server` so far."""
    return sum(haproxy_servers(lb).get(server, ("", 0))[1] for lb in LOAD_BALANCERS)


def parse_proc_stat(text: str, programs: t.Iterable[str], ticks_per_second: float) -> dict[str, float]:
    """CPU seconds (user + system, all threads) per program from /proc/<pid>/stat lines."""
    used = dict.fromkeys(programs, 0.0)
    for line in text.splitlines():
        if "(" not in line or ")" not in line:
            continue
        name = line[line.index("(") + 1:line.rindex(")")]
        fields = line[line.rindex(")") + 2:].split()
        if name in used and len(fields) > 12:
            used[name] += (int(fields[11]) + int(fields[12])) / ticks_per_second
    return used


def cpu_seconds(hosts: t.Iterable[str], programs: t.Iterable[str]) -> dict[str, float]:
    """CPU seconds each program's processes have used so far, summed over the hosts."""
    programs = list(programs)
    total = dict.fromkeys(programs, 0.0)
    for host in hosts:
        text = sh(host, "cat /proc/[0-9]*/stat 2>/dev/null || true", check=False, timeout=10)
        for name, seconds in parse_proc_stat(text, programs, os.sysconf("SC_CLK_TCK")).items():
            total[name] += seconds
    return total


def count_in_log(host: str, path: str, pattern: str) -> int:
    out = sh(host, f"grep -c -- '{pattern}' {path} || true", check=False, timeout=10).strip()
    return int(out or 0)


def keepalived_masters_since(lb: str, since: float) -> int:
    """How often keepalived on `lb` entered MASTER state since `since` (unix time)."""
    out = sh(lb, f"journalctl -u keepalived -o cat --since=@{int(since)} | grep -c 'Entering MASTER STATE' || true", check=False)
    return int(out.strip() or 0)


def hold_down(host: str, unit: str) -> None:
    """Keep systemd from restarting `unit` until mend() (a runtime drop-in)."""
    directory = NO_RESTART_DIR.format(unit=unit)
    sh(host, f"mkdir -p {directory} && printf '[Service]\\nRestart=no\\n' > {directory}/{NO_RESTART_FILE} && systemctl daemon-reload")


def mend(host: str, unit: str) -> None:
    """Drop hold_down()'s drop-in and start the unit again."""
    directory = NO_RESTART_DIR.format(unit=unit)
    sh(host, f"rm -f {directory}/{NO_RESTART_FILE} && systemctl daemon-reload && systemctl reset-failed {unit}; systemctl start {unit}")


def wait_for(what: str, check: t.Callable[[], bool], timeout: float, interval: float = 0.1) -> float:
    """Poll `check` until it holds; the seconds it took. LabError naming `what` after `timeout`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise LabError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - started


def in_sync(master_name: str) -> bool:
    """`master_name` is master and every other server replicates it with its link up and no lag: each replica,
    asked after the master, has reached the offset the master had when asked (under writes the two are never
    read at the same instant, and with TLS each question opens its own connection)."""
    info = replication(master_name)
    if info.get("role") != "master":
        return False
    for name in SERVERS:
        if name == master_name:
            continue
        replica = replication(name)
        if (replica.get("role") != "slave" or replica.get("master_host") != SERVERS[master_name]
                or replica.get("master_link_status") != "up"):
            return False
        if int(replica.get("slave_repl_offset", -1)) < int(info.get("master_repl_offset", 0)):
            return False
    return True


def routed_to(master_name: str) -> bool:
    """Every HAProxy has the master UP and every other server DOWN."""
    for lb in LOAD_BALANCERS:
        seen = haproxy_servers(lb)
        if set(seen) != set(SERVERS):
            return False
        for name, (status, _sessions) in seen.items():
            if status.startswith("UP") != (name == master_name):
                return False
    return True


def any_tilt() -> bool:
    """A Sentinel is in TILT (for 30 s after its host stood still) or does not answer: it would neither
    vote nor agree that a master is down, so a fault injected now would measure the last one's TILT."""
    for sentinel in SENTINELS:
        try:
            if sentinel_tilt(sentinel):
                return True
        except LabError:
            return True
    return False


def healthy(expect_holder: str | None = None) -> str | None:
    """The master when the whole stack is settled (Sentinels agree and none is in
    TILT, replicas in sync, HAProxies route to it, one VIP holder, `expect_holder`
    if given)."""
    current = master()
    if current is None or not in_sync(current) or not routed_to(current) or any_tilt():
        return None
    holders = vip_holders()
    if len(holders) != 1 or (expect_holder and holders != [expect_holder]):
        return None
    return current


def settle(expect_holder: str | None = None, timeout: float = 180) -> str:
    """Wait until healthy(); the master."""
    found: list[str] = []

    def check() -> bool:
        current = healthy(expect_holder)
        if current:
            found.append(current)
        return current is not None

    wait_for(f"a settled stack (VIP on {expect_holder or 'one host'})", check, timeout, interval=0.5)
    return found[-1]


def use_witness_server() -> None:
    """The witness runs a Redis server too, as the lab does with LAB_WITNESS_GROUP=redis_servers."""
    SERVERS["witness"] = SENTINELS["witness"]


def next_server(server: str) -> str:
    """The server after `server`, in order and round (two servers: the other one)."""
    names = list(SERVERS)
    return names[(names.index(server) + 1) % len(names)]


def colocated() -> bool:
    """The load balancers run on Redis hosts (the reference lab), not on hosts of their own."""
    return all(lb in SERVERS for lb in LOAD_BALANCERS)


def back_addresses_except(host: str) -> list[str]:
    """The back-network addresses of every Redis and Sentinel host but `host`."""
    return sorted({address for name, address in {**SERVERS, **SENTINELS}.items() if name != host})


def partition(host: str, peers: t.Iterable[str]) -> None:
    """Drop every packet between `host` and `peers` (nftables in its container), both ways, as
    molecule/resources/tasks/partition.yml does."""
    addresses = ", ".join(peers)
    _drop(host, f"ip saddr {{ {addresses} }}", f"ip daddr {{ {addresses} }}")


def isolate(host: str) -> None:
    """Drop every packet `host` sends or receives on any interface but loopback (nftables in its container)."""
    _drop(host, 'iifname != "lo"', 'oifname != "lo"')


def _drop(host: str, incoming: str, outgoing: str) -> None:
    """One nftables table (lab_partition, which heal() deletes) dropping what matches, in and out."""
    ruleset = (f"table inet lab_partition {{\n"
               f"  chain input {{\n    type filter hook input priority 0; policy accept;\n    {incoming} drop\n  }}\n"
               f"  chain output {{\n    type filter hook output priority 0; policy accept;\n    {outgoing} drop\n  }}\n}}\n")
    result = subprocess.run(["docker", "exec", "-i", host, "nft", "-f", "-"], input=ruleset, capture_output=True, text=True,
                            timeout=30, check=False)
    if result.returncode != 0:
        raise LabError(f"nft on {host}: rc {result.returncode}: {result.stderr.strip()}")


def heal(host: str) -> None:
    sh(host, "nft delete table inet lab_partition", check=False)
