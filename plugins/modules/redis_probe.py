#!/usr/bin/python
# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: redis_probe
short_description: Report the live replication state of a Redis/Valkey server or Sentinel
version_added: 1.0.0
description:
  - Connects to a Redis or Valkey server, or to a Redis Sentinel, and reports the live replication state
    (role, master, replicas, offsets, link status) or, for a Sentinel, the master address and health it reports.
  - Optionally waits until the server has an expected role, a replica follows an expected master,
    or a Sentinel reports an expected master address (for example after a failover).
  - The module never changes anything. It only needs the Python standard library on the managed host.
author:
  - hastack.redis contributors (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hastack.redis.connection
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  host:
    description:
      - Host name or IP address of the server or Sentinel to probe.
    type: str
    default: 127.0.0.1
  port:
    description:
      - TCP port to connect to.
      - If not set, V(6379) is used with O(mode=server) and V(26379) with O(mode=sentinel).
    type: int
  mode:
    description:
      - V(server) probes a Redis or Valkey server, V(sentinel) asks a Sentinel about O(master_name).
      - If a Sentinel is probed with V(server), RV(role) is V(sentinel) and no replication data is returned.
    type: str
    choices: [server, sentinel]
    default: server
  master_name:
    description:
      - Name of the master monitored by the Sentinel (the name in C(sentinel monitor)).
      - Required when O(mode=sentinel).
    type: str
  expect_role:
    description:
      - Role the server must have. Only valid with O(mode=server).
    type: str
    choices: [master, replica]
  expect_master:
    description:
      - Address C(host:port) (C([ipv6]:port) for IPv6) of the expected master.
      - With O(mode=server) the server must be a replica configured to follow this master.
        The link to the master may still be down, check RV(master_link_status) for that.
      - With O(mode=sentinel) the Sentinel must report this address for O(master_name).
      - The host is compared as a string, so use the same form (IP or name) the servers announce.
    type: str
  wait_timeout:
    description:
      - Seconds to keep probing until the expectations hold. V(0) probes once.
      - Connection errors are retried until the timeout (the server may be restarting);
        authentication, permission and TLS errors fail at once.
      - On timeout the task fails and shows the last observed state and the last error.
    type: float
    default: 0
  poll_interval:
    description:
      - Seconds between two probes when O(wait_timeout) is set.
    type: float
    default: 0.1
notes:
  - The probe runs C(INFO server) and C(INFO replication) on a server, and C(INFO server),
    C(SENTINEL GET-MASTER-ADDR-BY-NAME), C(SENTINEL MASTER) and C(SENTINEL CKQUORUM) on a Sentinel.
    An ACL user for it needs at least C(+ping +info) on servers and C(+info +sentinel|get-master-addr-by-name
    +sentinel|master +sentinel|ckquorum) on Sentinels.
  - Failures (connection refused, timeout, DNS, TLS, wrong password, missing permission, unknown master,
    a peer that does not speak RESP) fail the task with a message naming C(host:port) and the cause.
seealso:
  - name: Redis replication
    description: How Redis replication works.
    link: https://redis.io/docs/latest/operate/oss_and_stack/management/replication/
  - name: Redis Sentinel
    description: High availability with Redis Sentinel.
    link: https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/
"""

EXAMPLES = r"""
- name: Check that a replica follows the expected master
  hastack.redis.redis_probe:
    host: 10.0.0.12
    password: "{{ redis_password }}"
    expect_role: replica
    expect_master: 10.0.0.11:6379
  register: replica_state

- name: Show replication lag in bytes
  ansible.builtin.debug:
    msg: "{{ replica_state.master_repl_offset - replica_state.replica_repl_offset }}"

- name: Find the master and its replicas over TLS with an ACL user
  hastack.redis.redis_probe:
    host: redis1.example.com
    port: 6380
    username: probe
    password: "{{ redis_probe_password }}"
    tls: true
    tls_ca_cert: /etc/redis/tls/ca.crt
  register: node

- name: Trigger a failover through Sentinel
  ansible.builtin.command: redis-cli -p 26379 SENTINEL FAILOVER mymaster
  changed_when: true

- name: Wait until Sentinel reports the new master
  hastack.redis.redis_probe:
    mode: sentinel
    host: 10.0.0.21
    master_name: mymaster
    expect_master: 10.0.0.12:6379
    wait_timeout: 60
  register: sentinel_state

- name: Fail if the Sentinels cannot reach their quorum
  ansible.builtin.assert:
    that:
      - sentinel_state.quorum_ok
      - not sentinel_state.o_down
    fail_msg: "{{ sentinel_state.ckquorum }}"

- name: Wait until the old master has rejoined as a replica of the new master
  hastack.redis.redis_probe:
    host: 10.0.0.11
    expect_role: replica
    expect_master: 10.0.0.12:6379
    wait_timeout: 60
    poll_interval: 0.5
"""

RETURN = r"""
address:
  description: The probed address, C(host:port).
  returned: success
  type: str
  sample: 10.0.0.11:6379
role:
  description: Role of the probed process; C(slave) is reported as V(replica).
  returned: success
  type: str
  choices: [master, replica, sentinel]
  sample: master
flavor:
  description: Server implementation, from C(INFO server).
  returned: success
  type: str
  choices: [redis, valkey]
  sample: redis
version:
  description: Server version (C(valkey_version) for Valkey, C(redis_version) otherwise).
  returned: success
  type: str
  sample: 7.0.15
uptime_in_seconds:
  description: Seconds since the server started.
  returned: success
  type: int
  sample: 3600
run_id:
  description: Random identifier of the server process, changes on restart.
  returned: success
  type: str
  sample: 2f7c1e0c4f4b6bd5f0d4b0a2f4f1a7e93c8b1c11
redis_mode:
  description: C(redis_mode) from C(INFO server) (V(standalone), V(sentinel) or V(cluster)).
  returned: success
  type: str
  sample: standalone
master_repl_offset:
  description: Replication offset of the server's replication stream.
  returned: when RV(role) is V(master) or V(replica)
  type: int
  sample: 123456
connected_replicas:
  description: Number of connected replicas.
  returned: when RV(role) is V(master)
  type: int
  sample: 1
replicas:
  description:
    - On a master, the replicas connected to it, from the C(slaveN) lines of C(INFO replication).
    - With O(mode=sentinel), the master's replicas as this Sentinel last saw them (C(SENTINEL REPLICAS)), with
      C(flags), C(link_status), C(link_down_ms) and C(priority) besides C(host), C(port) and C(offset). The
      Sentinel chooses the replica to promote from this view, which its C(INFO) refreshes about once a second.
      V(null) for a user that may not run C(SENTINEL REPLICAS) (an ACL user without C(+sentinel|replicas)).
  returned: when RV(role) is V(master), or O(mode=sentinel)
  type: list
  elements: dict
  contains:
    host:
      description: Address the replica announced.
      type: str
      sample: 10.0.0.12
    port:
      description: Port the replica announced.
      type: int
      sample: 6379
    state:
      description: Replication state (V(online), V(wait_bgsave), V(send_bulk)...).
      type: str
      sample: online
    offset:
      description: Replication offset acknowledged by the replica.
      type: int
      sample: 123456
    lag:
      description: Seconds since the last acknowledgement from the replica.
      type: int
      sample: 0
    flags:
      description: The replica's flags as the Sentinel sees it (O(mode=sentinel)).
      type: list
      elements: str
      sample: [slave]
    link_status:
      description: The replica's link to its master as the Sentinel last saw it (O(mode=sentinel)).
      type: str
      sample: ok
    link_down_ms:
      description: Milliseconds the replica's link has been down, as the Sentinel last saw it (O(mode=sentinel)).
      type: int
      sample: 0
    priority:
      description: The replica's C(replica-priority) as the Sentinel last saw it (O(mode=sentinel)); V(0) is never promoted.
      type: int
      sample: 100
master_host:
  description: Host of the master the replica is configured to follow.
  returned: when RV(role) is V(replica)
  type: str
  sample: 10.0.0.11
master_port:
  description: Port of the master the replica is configured to follow.
  returned: when RV(role) is V(replica)
  type: int
  sample: 6379
master_link_status:
  description: State of the replication link.
  returned: when RV(role) is V(replica)
  type: str
  sample: up
master_link_down_since_seconds:
  description: Seconds since the link went down; null while the link is up.
  returned: when RV(role) is V(replica)
  type: int
  sample: null
master_last_io_seconds_ago:
  description: Seconds since the last interaction with the master.
  returned: when RV(role) is V(replica)
  type: int
  sample: 1
master_sync_in_progress:
  description: Whether a full synchronisation from the master is running.
  returned: when RV(role) is V(replica)
  type: bool
  sample: false
replica_repl_offset:
  description: Replication offset processed by the replica (C(slave_repl_offset)).
  returned: when RV(role) is V(replica)
  type: int
  sample: 123456
read_only:
  description: Whether the replica rejects writes.
  returned: when RV(role) is V(replica)
  type: bool
  sample: true
master_name:
  description: The O(master_name) asked about.
  returned: when O(mode=sentinel)
  type: str
  sample: mymaster
master:
  description: Master address reported by C(SENTINEL GET-MASTER-ADDR-BY-NAME).
  returned: when O(mode=sentinel)
  type: dict
  contains:
    host:
      description: Master host.
      type: str
      sample: 10.0.0.11
    port:
      description: Master port.
      type: int
      sample: 6379
quorum:
  description: Quorum configured for the master.
  returned: when O(mode=sentinel)
  type: int
  sample: 2
num_other_sentinels:
  description: Number of other Sentinels this Sentinel knows for the master.
  returned: when O(mode=sentinel)
  type: int
  sample: 2
num_replicas:
  description: Number of replicas this Sentinel knows for the master (C(num-slaves)).
  returned: when O(mode=sentinel)
  type: int
  sample: 1
flags:
  description: Flags of the master as seen by the Sentinel.
  returned: when O(mode=sentinel)
  type: list
  elements: str
  sample: [master]
s_down:
  description: Whether this Sentinel considers the master subjectively down.
  returned: when O(mode=sentinel)
  type: bool
  sample: false
o_down:
  description: Whether the master is objectively down (quorum agrees).
  returned: when O(mode=sentinel)
  type: bool
  sample: false
failover_in_progress:
  description: Whether a failover of the master is running.
  returned: when O(mode=sentinel)
  type: bool
  sample: false
config_epoch:
  description: Configuration epoch of the master, incremented by each failover.
  returned: when O(mode=sentinel)
  type: int
  sample: 1
tilt:
  description: Whether the Sentinel is in TILT mode (it then fails nothing over).
  returned: when O(mode=sentinel)
  type: bool
  sample: false
quorum_ok:
  description: Whether C(SENTINEL CKQUORUM) succeeded (enough Sentinels to reach quorum and authorize a failover).
  returned: when O(mode=sentinel)
  type: bool
  sample: true
ckquorum:
  description: Message of C(SENTINEL CKQUORUM), success or error.
  returned: when O(mode=sentinel)
  type: str
  sample: OK 3 usable Sentinels. Quorum and failover authorization can be reached
attempts:
  description: Number of probes made (more than one only with O(wait_timeout)).
  returned: always
  type: int
  sample: 1
elapsed:
  description: Seconds spent probing.
  returned: always
  type: float
  sample: 0.004
last_state:
  description: Last observed state (same keys as a successful result) when the task fails after a successful probe.
  returned: failure
  type: dict
error_kind:
  description:
    - Class of the last error, for example V(connection_refused), V(timeout), V(name_resolution), V(tls), V(auth),
      V(noauth), V(noperm), V(unknown_master), V(protocol), V(connection_closed), V(server_error), or V(mismatch)
      when the expectations were not met.
    - V(not_tls) when O(tls=true) and the peer does not speak TLS on that port (it answered in plain text, or not at
      all, to the handshake), V(tls) for any other failed handshake, such as a certificate that does not verify.
  returned: failure
  type: str
  sample: connection_refused
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.probe import (
    parse_address,
    probe_sentinel,
    probe_server,
    probe_until,
)
from ansible_collections.hastack.redis.plugins.module_utils.connection import (
    connection_argument_spec,
    connection_factory,
    connection_problem,
)

DEFAULT_PORTS = {'server': 6379, 'sentinel': 26379}


def argument_spec():
    """Return the module argument specification."""
    spec = connection_argument_spec()
    spec.update(
        mode=dict(type='str', choices=['server', 'sentinel'], default='server'),
        master_name=dict(type='str'),
        expect_role=dict(type='str', choices=['master', 'replica']),
        expect_master=dict(type='str'),
        wait_timeout=dict(type='float', default=0),
        poll_interval=dict(type='float', default=0.1),
    )
    return spec


def validate_params(module):
    """Fail on option combinations the argument spec cannot express; return the parsed expect_master."""
    params = module.params
    problem = connection_problem(params)
    if problem:
        module.fail_json(msg=problem)
    if params['mode'] == 'sentinel' and params['expect_role']:
        module.fail_json(msg='expect_role only applies to mode=server; with mode=sentinel use expect_master '
                             'to wait for the master address the Sentinel reports')
    if params['poll_interval'] <= 0:
        module.fail_json(msg='poll_interval must be greater than 0, got %s' % params['poll_interval'])
    if params['wait_timeout'] < 0:
        module.fail_json(msg='wait_timeout must be 0 (probe once) or a positive number of seconds')
    if not params['expect_master']:
        return None
    error = None
    try:
        return parse_address(params['expect_master'])
    except ValueError as exc:
        error = str(exc)
    # fail outside the except block so that no traceback is attached to the result
    module.fail_json(msg='invalid expect_master: %s; use host:port, for example 10.0.0.11:6379' % error)
    return None


def failure_message(address, outcome, wait_timeout):
    """Build the fail_json message for an unsuccessful outcome."""
    waited = ''
    if wait_timeout > 0 and outcome.attempts > 1:
        waited = ' after waiting %.1fs (%d probes)' % (outcome.elapsed, outcome.attempts)
    if outcome.error is not None:
        text = 'probing %s failed%s: %s' % (address, waited, outcome.error.message)
        if outcome.mismatch:
            text += '; last observed: %s' % outcome.mismatch
        return text
    text = 'expectation not met for %s%s: %s' % (address, waited, outcome.mismatch)
    if outcome.last_error is not None:
        text += '; last error: %s' % outcome.last_error.message
    return text


def main():
    """Run the module."""
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        required_if=[('mode', 'sentinel', ('master_name',))],
        required_together=[('tls_client_cert', 'tls_client_key')],
    )
    expect_master = validate_params(module)
    params = module.params
    connect, address = connection_factory(params, DEFAULT_PORTS[params['mode']])
    if params['mode'] == 'sentinel':
        def probe(conn):
            return probe_sentinel(conn, params['master_name'])
    else:
        probe = probe_server

    outcome = probe_until(connect, probe, expect_role=params['expect_role'], expect_master=expect_master,
                          wait_timeout=params['wait_timeout'], poll_interval=params['poll_interval'])
    if outcome.ok:
        module.exit_json(changed=False, attempts=outcome.attempts, elapsed=outcome.elapsed, **outcome.state)
    extra = dict(changed=False, address=address, attempts=outcome.attempts, elapsed=outcome.elapsed,
                 error_kind=outcome.error.kind if outcome.error is not None else 'mismatch')
    if outcome.state is not None:
        extra['last_state'] = outcome.state
    module.fail_json(msg=failure_message(address, outcome, params['wait_timeout']), **extra)


if __name__ == '__main__':
    main()
