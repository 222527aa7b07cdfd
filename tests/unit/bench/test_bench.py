# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark driver's pure parts: trial records, timelines, redis-benchmark
output, settings profiles and the command line."""

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.bench import bench
from ansible_collections.hastack.redis.lab import model as lab
from ansible_collections.hastack.redis.lab.report import Write


def _writes(*rows: tuple[float, str]) -> list[Write]:
    return [Write(at, number, status, "") for number, (at, status) in enumerate(rows, start=1)]


def test_a_trial_measures_from_the_first_failure_to_the_next_success() -> None:
    writes = _writes((99.5, "ok"), (100.2, "conn"), (100.9, "timeout"), (101.7, "ok"), (102.0, "readonly"), (102.1, "ok"))
    record = bench.trial_record(3, writes, members={1, 4}, fault_at=100.0, end=103.0)
    assert record["trial"] == 3
    assert record["unavailable_seconds"] == 1.5
    assert record["failed_writes"] == 3
    assert record["acknowledged_writes"] == 2
    assert record["acknowledged_writes_lost"] == 1  # write 6 was acknowledged but the master does not hold it
    assert record["writes_to_non_master"] == 1
    assert record["ok"] is True


def test_a_trial_that_never_recovers_is_not_ok() -> None:
    record = bench.trial_record(1, _writes((100.1, "conn"), (100.2, "conn")), members=set(), fault_at=100.0, end=101.0)
    assert record["unavailable_seconds"] is None
    assert record["ok"] is False


def test_extra_writes_to_a_non_master_add_up_and_other_keys_are_kept() -> None:
    record = bench.trial_record(1, _writes((100.1, "readonly"), (100.2, "ok")), members={2}, fault_at=100.0, end=101.0,
                                extra={"writes_to_non_master": 4, "after": "master-stop"})
    assert record["writes_to_non_master"] == 5
    assert record["after"] == "master-stop"


def test_the_timeline_counts_writes_per_bin_around_the_fault() -> None:
    writes = _writes((99.01, "ok"), (99.02, "ok"), (100.06, "conn"), (100.52, "ok"), (150.0, "ok"))
    report = {"first_failed_write_at": 100.06, "first_successful_write_after_at": 100.52}
    line = bench.timeline(writes, fault_at=100.0, end=120.0, report=report)
    assert line["bin_seconds"] == 0.05
    assert line["start_seconds"] == -1.0
    assert len(line["ok"]) == len(line["failed"]) == 51  # from -1 s to 1 s after the recovery at 0.52 s
    assert line["ok"][0] == 2
    assert line["failed"][21] == 1
    assert sum(line["ok"]) == 3  # the write at 150 s is outside
    assert (line["first_failed_seconds"], line["recovered_seconds"]) == (0.06, 0.52)


def test_a_long_outage_gets_coarser_bins() -> None:
    writes = _writes((100.5, "conn"), (131.0, "ok"))
    report = {"first_failed_write_at": 100.5, "first_successful_write_after_at": 131.0}
    line = bench.timeline(writes, fault_at=100.0, end=200.0, report=report)
    assert line["bin_seconds"] == 0.25
    assert len(line["ok"]) == 132


def test_redis_benchmark_csv_is_read_per_test() -> None:
    text = ('"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n'
            '"SET","61614.29","0.750","0.168","0.703","1.199","1.559","6.207"\n'
            '"GET","77250.00","0.600","0.120","0.575","0.911","1.215","4.007"\n')
    rows = bench.parse_benchmark_csv(text)
    assert rows["SET"]["rps"] == 61614.29
    assert rows["GET"]["p50_latency_ms"] == 0.575


def test_proc_stat_lines_add_up_per_program() -> None:
    text = ("101 (haproxy) S 1 101 101 0 -1 4194560 1 0 0 0 150 50 0 0 20 0 2 0 5 1 1\n"
            "102 (haproxy) S 101 101 101 0 -1 4194560 1 0 0 0 30 20 0 0 20 0 2 0 5 1 1\n"
            "7 (redis-server) S 1 7 7 0 -1 4194560 1 0 0 0 400 100 0 0 20 0 4 0 5 1 1\n"
            "8 (a (b) c) S 1 8 8 0 -1 4194560 1 0 0 0 999 999 0 0 20 0 1 0 5 1 1\n"
            "truncated\n")
    used = lab.parse_proc_stat(text, ["haproxy", "redis-server", "keepalived"], 100)
    assert used == {"haproxy": 2.5, "redis-server": 5.0, "keepalived": 0.0}


def test_every_master_fault_breaks_redis_and_brings_it_back() -> None:
    assert set(bench.RETURNING) == {"master-crash", "master-stop", "master-hang"} <= set(bench.FAULTS)
    breaks, resumes = bench.MASTER_FAULTS["master-hang"]
    assert "SIGSTOP" in breaks and "SIGCONT" in resumes
    # Only faults that break the master may lose the writes of the detection window.
    assert set(bench.UNCLEAN) == {"master-crash", "master-hang", "master-partition", "master-isolated", "master-host-freeze",
                                  "crash-after-thaw"}
    assert set(bench.UNCLEAN) <= set(bench.FAULTS)


def test_network_faults_fail_over_only_where_the_master_is_cut_off() -> None:
    assert set(bench.NETWORK_FAULTS) <= set(bench.FAULTS)
    assert set(bench.FAILING_OVER) == {"master-partition", "master-isolated", "master-host-freeze"} <= set(bench.UNCLEAN)
    # Every fault that cuts a master off fails over; every other network fault may lose nothing.
    assert set(bench.NETWORK_FAULTS) & set(bench.UNCLEAN) == set(bench.FAILING_OVER)


def test_profiles_override_only_the_compared_settings() -> None:
    defaults = bench.profile_settings("defaults")
    tutorial = bench.profile_settings("tutorial")
    assert defaults["redis_sentinel_down_after_milliseconds"] < 30000
    assert tutorial["redis_sentinel_down_after_milliseconds"] == 30000
    assert tutorial["keepalived_advert_int"] == 1
    assert set(defaults) == set(tutorial)
    assert bench.profile_title("tutorial") == "tutorial settings"


@pytest.mark.parametrize("argv, message", [
    (["--faults", "master-crash,meteor"], "unknown fault or profile: meteor"),
    (["--profiles", "nosuch"], "unknown fault or profile: nosuch"),
    (["--reuse-lab"], "give exactly one --profiles"),
    (["--trials", "0"], "at least 1"),
])
def test_bad_arguments_are_named(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(argv)
    assert message in capsys.readouterr().err


def test_default_arguments_run_every_fault_on_both_profiles() -> None:
    args = bench.parse_args([])
    assert args.profiles == ["tutorial", "defaults"]
    assert args.faults == list(bench.FAULTS)
    assert (args.trials, args.steady, args.rounds, args.requests) == (10, 600, 3, 200000)


def _results(fault: str, **trial: object) -> dict:
    record = {"trial": 1, "ok": True, "writes_to_non_master": 0, "acknowledged_writes_lost": 0} | trial
    return {"profiles": {"defaults": {"faults": {fault: {"trials": [record]}}, "steady": {"false_failovers": 0}}}}


def test_check_accepts_a_clean_run_and_losses_in_a_crash_window() -> None:
    assert not bench.problems(_results("master-stop"))
    assert not bench.problems(_results("master-crash", acknowledged_writes_lost=3))
    assert not bench.problems(_results("master-hang", acknowledged_writes_lost=1))


@pytest.mark.parametrize("fault, trial, message", [
    ("master-stop", {"acknowledged_writes_lost": 2}, "defaults master-stop trial 1: 2 acknowledged writes lost"),
    ("old-master-returns", {"writes_to_non_master": 5}, "5 writes reached a non-master"),
    ("haproxy-kill", {"ok": False, "error": "timed out"}, "haproxy-kill trial 1: timed out"),
    ("master-crash-restarted", {"failovers": 1}, "master-crash-restarted trial 1: 1 failovers where none may happen"),
    ("master-crash-restarted", {"acknowledged_writes_lost": 1}, "1 acknowledged writes lost"),
    ("rolling-restart", {"failovers": 2}, "rolling-restart trial 1: 2 failovers where exactly one (the planned switchover)"),
    ("switchover", {"failovers": 0}, "switchover trial 1: 0 failovers where exactly one"),
    ("rolling-restart", {"acknowledged_writes_lost": 1}, "1 acknowledged writes lost"),
])
def test_check_names_each_problem(fault: str, trial: dict, message: str) -> None:
    assert any(message in problem for problem in bench.problems(_results(fault, **trial)))


def test_check_counts_false_failovers() -> None:
    results = _results("master-stop")
    results["profiles"]["defaults"]["steady"]["false_failovers"] = 1
    assert bench.problems(results) == ["defaults steady load: false failovers 1"]


def test_check_accepts_the_readonly_replies_of_a_switchover() -> None:
    assert not bench.problems(_results("switchover", writes_to_non_master=80, failovers=1))
    assert not bench.problems(_results("rolling-restart", writes_to_non_master=80, failovers=1))


def test_merge_replaces_only_the_faults_measured_again() -> None:
    old = {"command": "make bench", "duration_seconds": 100, "machine": {"cpus": 2}, "profiles": {"defaults": {
        "title": "d", "settings": {}, "steady": {"seconds": 180}, "throughput": [{"test": "SET"}],
        "faults": {"master-crash": {"trials": [1]}, "switchover": {"trials": [2]}}}}}
    new = {"command": "bench.py --faults switchover", "duration_seconds": 20, "profiles": {"defaults": {
        "title": "d", "settings": {}, "steady": None, "throughput": [], "faults": {"switchover": {"trials": [3]}}}}}
    merged = bench.merge(old, new)
    faults = merged["profiles"]["defaults"]["faults"]
    assert faults["master-crash"]["trials"] == [1]
    assert faults["switchover"]["trials"] == [3]
    assert merged["profiles"]["defaults"]["steady"] == {"seconds": 180}
    assert merged["command"] == "make bench; then bench.py --faults switchover"
    assert merged["duration_seconds"] == 120
    assert old["profiles"]["defaults"]["faults"]["switchover"]["trials"] == [2]


def test_a_deposed_master_losing_writes_acknowledged_late_after_the_election_fails_the_check() -> None:
    """Those acknowledged before the load balancers' vote checks see the election (within 0.5 s) are the bounded window."""
    def trial(**extra: object) -> dict:
        return {"trial": 1, "ok": True, "writes_to_non_master": 0, "acknowledged_writes_lost": 40, **extra}

    results = {"profiles": {"defaults": {"faults": {
        "master-partition": {"trials": [trial(acknowledged_writes_lost_after_election=0),
                                        dict(trial(acknowledged_writes_lost_after_election=3, last_lost_write_seconds_after_election=0.61),
                                             trial=2),
                                        dict(trial(acknowledged_writes_lost_after_election=55, last_lost_write_seconds_after_election=0.132),
                                             trial=3)]},
        "lb-partition": {"trials": [trial()]}}}}}
    found = bench.problems(results)
    assert found == ["defaults master-partition trial 2: a deposed master acknowledged a write that was lost 0.61 s after the election "
                     "(bound: 0.5 s; 3 such writes)",
                     "defaults lb-partition trial 1: 40 acknowledged writes lost"]


def test_a_failover_where_no_master_was_cut_off_fails_the_check() -> None:
    def trial(**extra: object) -> dict:
        return {"trial": 1, "ok": True, "writes_to_non_master": 0, "acknowledged_writes_lost": 0, **extra}

    results = {"profiles": {"defaults": {"faults": {
        "sentinel-minority": {"trials": [trial(failovers=0), dict(trial(failovers=1), trial=2)]},
        "replica-partition": {"trials": [trial(failovers=0)]},
        "master-isolated": {"trials": [trial(failovers=1, acknowledged_writes_lost=4, acknowledged_writes_lost_after_election=0)]}}}}}
    assert bench.problems(results) == ["defaults sentinel-minority trial 2: 1 failovers where none may happen"]


def test_switchovers_go_to_each_server_in_turn(monkeypatch) -> None:
    monkeypatch.setattr(lab, "SERVERS", {"redis1": "10.30.1.131", "redis2": "10.30.1.132"})
    assert [lab.next_server(name) for name in ("redis1", "redis2")] == ["redis2", "redis1"]
    lab.use_witness_server()
    assert list(lab.SERVERS) == ["redis1", "redis2", "witness"]
    assert [lab.next_server(name) for name in lab.SERVERS] == ["redis2", "witness", "redis1"]


def test_three_servers_put_the_witness_in_the_redis_servers_group(tmp_path) -> None:
    args = bench.parse_args(["--servers", "3", "--work", str(tmp_path)])
    assert bench.lab_env(args)["LAB_WITNESS_GROUP"] == "redis_servers"
    assert "LAB_WITNESS_GROUP" not in bench.lab_env(bench.parse_args(["--work", str(tmp_path)]))


def test_every_client_flavour_of_a_trial_is_checked_by_name() -> None:
    def record(**extra: object) -> dict:
        return {"trial": 1, "ok": True, "writes_to_non_master": 0, "acknowledged_writes_lost": 0, **extra}

    results = {"profiles": {"defaults": {"faults": {
        "master-partition": {"trials": [record(flavours={"reconnecting": record(acknowledged_writes_lost=5,
                                                                                acknowledged_writes_lost_after_election=2,
                                                                                last_lost_write_seconds_after_election=0.9),
                                                         "wait": record(ok=False, unavailable_seconds=None)})]},
        "vrrp-split": {"trials": [record(flavours={"wait": record(acknowledged_writes_lost=1)})]}}}}}
    assert bench.problems(results) == [
        "defaults master-partition trial 1 (reconnecting client): a deposed master acknowledged a write that was lost 0.9 s after "
        "the election (bound: 0.5 s; 2 such writes)",
        "defaults vrrp-split trial 1 (wait client): 1 acknowledged writes lost"]


def test_each_fault_is_measured_by_its_own_client_and_the_others_are_named(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    assert bench.own_client("haproxy-kill") == "per-write"
    assert bench.own_client("master-partition") == bench.own_client("master-crash") == "pooled"
    assert bench.parse_args(["--work", str(tmp_path)]).clients == ["pooled", "reconnecting", "wait"]
    assert bench.parse_args(["--clients", "", "--work", str(tmp_path)]).clients == []
    with pytest.raises(SystemExit):
        bench.parse_args(["--clients", "pooled,telnet"])
    assert "telnet" in capsys.readouterr().err


def test_results_name_the_lab_shape_beside_the_profile(tmp_path) -> None:
    assert bench.profile_key(bench.parse_args(["--work", str(tmp_path)]), "defaults") == "defaults"
    args = bench.parse_args(["--scenario", "lb_hosts", "--servers", "3", "--work", str(tmp_path)])
    assert bench.profile_key(args, "min-replicas") == "min-replicas (load balancers on hosts of their own, 3 servers)"


def test_the_lb_hosts_lab_has_load_balancers_of_their_own() -> None:
    try:
        lab.use_scenario("lb_hosts")
        assert lab.LOAD_BALANCERS == ["lb1", "lb2"] and list(lab.SERVERS) == ["redis1", "redis2"]
        assert not lab.colocated()
        # A master cut off from the Redis hosts keeps its load balancers.
        assert "10.30.1.134" not in lab.back_addresses_except("redis1")
    finally:
        lab.use_scenario()
    assert lab.colocated() and lab.LOAD_BALANCERS == ["redis1", "redis2"]


def test_a_sentinel_in_tilt_or_silent_keeps_the_lab_unsettled(monkeypatch) -> None:
    """A trial must not start while the last thaw's Sentinel is in TILT: it would measure that TILT."""
    states: dict[str, object] = {"redis1": False, "redis2": False, "witness": False}

    def tilt(sentinel: str) -> bool:
        if isinstance(states[sentinel], Exception):
            raise states[sentinel]  # type: ignore[misc]
        return bool(states[sentinel])

    monkeypatch.setattr(lab, "SENTINELS", {name: "10.30.1.13%d" % number for number, name in enumerate(states, 1)})
    monkeypatch.setattr(lab, "sentinel_tilt", tilt)
    assert not lab.any_tilt()
    states["redis2"] = True
    assert lab.any_tilt()
    states["redis2"], states["witness"] = False, lab.LabError("no answer")
    assert lab.any_tilt()


def test_a_failover_the_sentinel_cannot_do_yet_is_asked_again(monkeypatch) -> None:
    replies = [lab.LabError("SENTINEL FAILOVER mymaster: NOGOODSLAVE No suitable replica to promote"), "OK"]

    def ask(*_words, **_options):
        reply = replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    monkeypatch.setattr(lab, "ask", ask)
    assert bench.failover_accepted() is False
    assert bench.failover_accepted() is True
    replies.append(lab.LabError("NOAUTH"))
    with pytest.raises(lab.LabError, match="NOAUTH"):
        bench.failover_accepted()


def test_the_tls_lab_is_measured_with_tls_and_the_others_without(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab, "TLS_CA", "")
    lab.use_scenario("tls")
    try:
        assert lab.TLS
        assert lab.tls_options() is None and bench.benchmark_tls() == []
        lab.use_tls("/bench/molecule/tls/lab-ca.pem")
        assert lab.tls_options().ca_file == "/bench/molecule/tls/lab-ca.pem"
        assert bench.benchmark_tls() == ["--tls", "--cacert", "/bench/molecule/tls/lab-ca.pem"]
    finally:
        lab.use_scenario()
    assert not lab.TLS


def test_a_replica_asked_after_its_master_is_in_sync_once_it_reached_the_masters_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    # Under writes the replica, asked later, is often already past the offset the master had when asked.
    infos = {
        "redis1": {"role": "master", "master_repl_offset": "1000"},
        "redis2": {"role": "slave", "master_host": lab.SERVERS["redis1"], "master_link_status": "up", "slave_repl_offset": "1020"},
    }
    monkeypatch.setattr(lab, "replication", lambda server: infos[server])
    assert lab.in_sync("redis1")
    infos["redis2"]["slave_repl_offset"] = "999"
    assert not lab.in_sync("redis1")
    infos["redis2"].update(slave_repl_offset="1000", master_link_status="down")
    assert not lab.in_sync("redis1")


def test_a_rotation_changes_every_password_and_back_keeping_the_previous_one_in_between() -> None:
    current = {name: f"lab-{name}" for name in bench.ROTATED}
    first = bench.rotation_vars(current, to_new=True, keep_previous=True)
    second = bench.rotation_vars(current, to_new=True, keep_previous=False)
    back = bench.rotation_vars(current, to_new=False, keep_previous=True)
    new_admin = first["redis_server_admin_password"]
    assert new_admin != current["redis_server_admin_password"] and '"' in new_admin and "\\" in new_admin
    assert first["redis_server_previous_passwords"]["admin"] == current["redis_server_admin_password"]
    assert first["redis_sentinel_previous_passwords"] == {"default": current["lab_sentinel_password"]}
    assert set(first["redis_server_previous_passwords"]) == {"admin", "replication", "healthcheck", "sentinel"}
    assert "redis_server_previous_passwords" not in second and second["redis_server_admin_password"] == new_admin
    assert back["redis_server_admin_password"] == current["redis_server_admin_password"]
    assert back["redis_server_previous_passwords"]["admin"] == new_admin


def test_check_refuses_a_rotation_that_failed_a_write_or_failed_over() -> None:
    def trial(**extra: object) -> dict:
        return {"trial": 1, "ok": True, "writes_to_non_master": 0, "acknowledged_writes_lost": 0, "failed_writes": 0, **extra}

    results = {"profiles": {"defaults": {"faults": {
        "password-rotation": {"trials": [trial(failovers=0), dict(trial(failovers=0), trial=2, failed_writes=1),
                                         dict(trial(failovers=1), trial=3)]}}}}}
    found = bench.problems(results)
    assert len(found) == 2 and all("where none may happen" in line for line in found)
    assert "trial 2" in found[0] and "trial 3" in found[1]
    # The WAIT client's writes a late replica acknowledgement left unreplicated are reported, not refused.
    late = dict(trial(failovers=0), flavours={"wait": {"trial": 1, "ok": True, "writes_to_non_master": 0,
                                                       "acknowledged_writes_lost": 0, "failed_writes": 11}})
    assert bench.problems({"profiles": {"defaults": {"faults": {"password-rotation": {"trials": [late]}}}}}) == []
