#!/usr/bin/python
# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: redis_switchover
short_description: Move a Redis/Valkey master to a caught-up replica with client writes paused
version_added: 1.1.0
description:
  - The step of a planned switchover that must not lose a write, run on one host over three connections. It
    pauses client writes on the master (C(CLIENT PAUSE WRITE)), waits until the target replica has the master's
    replication offset, has the Sentinel fail over (C(SENTINEL FAILOVER)), waits until that Sentinel names the
    target, makes the old master follow the target (C(REPLICAOF), C(CONFIG REWRITE)) and resumes writes.
    The old master's paused clients then get C(READONLY), so none of their writes lands.
  - The pause is renewed while the module waits, so it never runs out before the old master follows the target; it
    is released however the module ends (and runs out by itself after O(pause_timeout_ms) should the host vanish).
  - Stops at once, writes resumed, when the Sentinel names a replica other than the target.
  - Checks nothing beforehand. The C(hastack.redis.switchover) playbook makes sure the target is a caught-up replica,
    the Sentinels agree and only the target can be chosen before it calls this module.
  - Passwords travel only inside the module's arguments and the connections, never on a command line or in a
    process environment.
author:
  - hastack.redis contributors (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: In check mode nothing is sent and the task reports a change.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  master_name:
    description:
      - The name the Sentinels monitor the master by.
    type: str
    required: true
  master:
    description:
      - The current master, by the address the Sentinels know it by.
    type: dict
    required: true
    suboptions: &server
      host:
        description:
          - Address of the server.
        type: str
        required: true
      port:
        description:
          - TCP port of the server.
        type: int
        default: 6379
      username:
        description:
          - ACL user allowed C(CLIENT PAUSE), C(INFO), C(REPLICAOF) and C(CONFIG REWRITE).
        type: str
  master_password:
    description:
      - Password of O(master.username) (or of the default user).
      - A top-level option, not a suboption, so that Ansible's log of the module's invocation on the host masks it.
    type: str
  target:
    description:
      - The replica to promote, by the address the Sentinels know it by. It must listen on the same port as the master.
    type: dict
    required: true
    suboptions: *server
  target_password:
    description:
      - Password of O(target.username) (or of the default user).
    type: str
  sentinel:
    description:
      - The Sentinel to run the failover.
    type: dict
    required: true
    suboptions:
      host:
        description:
          - Address of the Sentinel.
        type: str
        default: 127.0.0.1
      port:
        description:
          - TCP port of the Sentinel.
        type: int
        default: 26379
      username:
        description:
          - Sentinel ACL user, if any.
        type: str
  sentinel_password:
    description:
      - Password of the Sentinel (its C(requirepass)), if any.
    type: str
  pause_timeout_ms:
    description:
      - How long each C(CLIENT PAUSE) lasts; renewed while the module waits.
    type: int
    default: 10000
  catch_up_timeout:
    description:
      - Seconds to wait for the target to reach the master's offset.
    type: float
    default: 5
  promote_timeout:
    description:
      - Seconds to wait for the Sentinel to name the target.
    type: float
    default: 30
  follow_timeout:
    description:
      - Seconds to wait for the old master to report the target as its master.
    type: float
    default: 30
  align_ms:
    description:
      - Before pausing, wait until the Sentinel's last C(INFO) reply from the target is this many milliseconds old
        (C(info-refresh) in C(SENTINEL REPLICAS)), then start.
      - During a failover a Sentinel asks a replica for C(INFO) once its last reply is a second old, and sees the
        promotion it ordered only then; it orders it on the third round of its timer (about 0.1-0.3 s). Started at
        the right moment, the promotion is seen about a second minus O(align_ms) into the pause instead of up to a
        second later.
      - V(0) starts at once. At most V(800); later, the C(INFO) may come before the promotion and cost a second.
    type: int
    default: 700
  align_timeout:
    description:
      - Seconds to wait for that moment (the Sentinel asks a healthy replica every 10 s); the switchover then
        starts unaligned.
    type: float
    default: 12
  tls:
    description:
      - Connect to the master, the target and the Sentinel with TLS. Each peer's certificate must name the address it
        is reached at (O(master.host), O(target.host), O(sentinel.host)).
    type: bool
    default: false
    version_added: 1.2.0
  tls_ca_cert:
    description:
      - PEM file with the CA certificates that sign the peers' certificates. The system trust store is used if not set.
    type: path
    version_added: 1.2.0
  tls_client_cert:
    description:
      - PEM client certificate, for peers started with C(tls-auth-clients yes).
    type: path
    version_added: 1.2.0
  tls_client_key:
    description:
      - PEM private key of O(tls_client_cert).
    type: path
    version_added: 1.2.0
  connect_timeout:
    description:
      - Seconds to wait for each connection.
    type: float
    default: 5
  read_timeout:
    description:
      - Seconds to wait for each reply.
    type: float
    default: 5
seealso:
  - module: hastack.redis.redis_probe
"""

EXAMPLES = r"""
- name: Move the master to redis2 (the playbook hastack.redis.switchover checks everything first)
  hastack.redis.redis_switchover:
    master_name: mymaster
    master:
      host: 10.0.0.11
      username: admin
    master_password: "{{ admin_password }}"
    target:
      host: 10.0.0.12
      username: admin
    target_password: "{{ admin_password }}"
    sentinel: {}
    sentinel_password: "{{ sentinel_password }}"
  register: switched
"""

RETURN = r"""
offset:
  description: The master's replication offset once writes were paused; the target had it before the failover.
  returned: success
  type: int
  sample: 4811
target_info_age_ms:
  description: How old (ms) the Sentinel's last C(INFO) reply from the target was when the pause began; null when the
    switchover started unaligned.
  returned: success
  type: int
  sample: 703
paused_seconds:
  description: How long client writes were paused, from the pause to the resume.
  returned: success
  type: float
  sample: 0.412
events:
  description: Each step that ended, with the seconds since the pause.
  returned: success
  type: list
  elements: list
  sample: [[paused, 0.0], [caught-up, 0.001], [promoted, 0.35], [follows, 0.41], [resumed, 0.412]]
stage:
  description: Where a failed switchover stopped (C(pause), C(catch-up), C(failover), C(promote), C(follow)).
  returned: failure
  type: str
  sample: promote
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisConnection, RedisError, TlsOptions
from ansible_collections.hastack.redis.plugins.module_utils.switchover import ALIGN_LIMIT_MS, Switchover, SwitchoverError

# Passwords are top-level options: Ansible's log of the invocation on the host
# (journal) masks no_log options, but printed suboptions' values as they are.
SERVER_OPTIONS = dict(
    host=dict(type='str', required=True),
    port=dict(type='int', default=6379),
    username=dict(type='str'),
)


def argument_spec():
    return dict(
        master_name=dict(type='str', required=True),
        master=dict(type='dict', required=True, options=dict(SERVER_OPTIONS)),
        master_password=dict(type='str', no_log=True),
        target=dict(type='dict', required=True, options=dict(SERVER_OPTIONS)),
        target_password=dict(type='str', no_log=True),
        sentinel=dict(type='dict', required=True, options=dict(
            host=dict(type='str', default='127.0.0.1'),
            port=dict(type='int', default=26379),
            username=dict(type='str'),
        )),
        sentinel_password=dict(type='str', no_log=True),
        pause_timeout_ms=dict(type='int', default=10000),
        catch_up_timeout=dict(type='float', default=5.0),
        promote_timeout=dict(type='float', default=30.0),
        follow_timeout=dict(type='float', default=30.0),
        align_ms=dict(type='int', default=700),
        align_timeout=dict(type='float', default=12.0),
        connect_timeout=dict(type='float', default=5.0),
        read_timeout=dict(type='float', default=5.0),
        tls=dict(type='bool', default=False),
        tls_ca_cert=dict(type='path'),
        tls_client_cert=dict(type='path'),
        tls_client_key=dict(type='path', no_log=False),
    )


def problems(params):
    """What is wrong with the options (empty when nothing is)."""
    found = []
    if params['master']['port'] != params['target']['port']:
        found.append('master.port (%d) and target.port (%d) differ: a replica promoted in place keeps its port, '
                     'give both the port the servers listen on' % (params['master']['port'], params['target']['port']))
    if params['master']['host'] == params['target']['host']:
        found.append('master.host and target.host are both %s: the target must be another server' % params['master']['host'])
    for name in ('master', 'target', 'sentinel'):
        if not 0 < params[name]['port'] < 65536:
            found.append('%s.port must be between 1 and 65535, got %d' % (name, params[name]['port']))
    tls_only = [name for name in ('tls_ca_cert', 'tls_client_cert', 'tls_client_key') if params[name]]
    if tls_only and not params['tls']:
        found.append('%s set but tls is false; set tls: true to connect with TLS' % ', '.join(tls_only))
    if params['pause_timeout_ms'] < 100:
        found.append('pause_timeout_ms must be at least 100, got %d' % params['pause_timeout_ms'])
    if not 0 <= params['align_ms'] <= ALIGN_LIMIT_MS:
        found.append('align_ms must be between 0 and %d, got %d' % (ALIGN_LIMIT_MS, params['align_ms']))
    for name in ('catch_up_timeout', 'promote_timeout', 'follow_timeout', 'align_timeout', 'connect_timeout', 'read_timeout'):
        if params[name] <= 0:
            found.append('%s must be greater than 0, got %s' % (name, params[name]))
    return found


def connection(params, peer):
    options = params[peer]
    # With TLS, each peer's certificate must name the address it is reached at.
    tls = TlsOptions(ca_file=params['tls_ca_cert'], cert_file=params['tls_client_cert'], key_file=params['tls_client_key'],
                     server_name=options['host']) if params['tls'] else None
    return RedisConnection(options['host'], options['port'], username=options['username'], password=params[peer + '_password'],
                           tls=tls, connect_timeout=params['connect_timeout'], read_timeout=params['read_timeout'])


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    found = problems(params)
    if found:
        module.fail_json(msg='; '.join(found))
    if module.check_mode:
        module.exit_json(changed=True, msg='check mode: nothing paused, no failover')
    peers = {name: connection(params, name) for name in ('master', 'target', 'sentinel')}
    try:
        # Every connection opens (and authenticates) before anything is paused.
        for name, conn in peers.items():
            try:
                conn.connect()
            except RedisError as exc:
                module.fail_json(msg='nothing was paused: connecting to the %s %s failed: %s' % (name, conn.address, exc.message),
                                 stage='connect')
        switchover = Switchover(
            peers['master'], peers['target'], peers['sentinel'], params['master_name'],
            params['master']['host'], params['target']['host'], params['master']['port'],
            pause_ms=params['pause_timeout_ms'], catch_up_timeout=params['catch_up_timeout'],
            promote_timeout=params['promote_timeout'], follow_timeout=params['follow_timeout'],
            align_ms=params['align_ms'], align_timeout=params['align_timeout'])
        try:
            result = switchover.run()
        except SwitchoverError as exc:
            module.fail_json(msg='the switchover stopped at %s, writes were resumed: %s' % (exc.stage, exc.message),
                             stage=exc.stage, events=[list(event) for event in switchover.events])
    finally:
        for conn in peers.values():
            conn.close()
    module.exit_json(changed=True, **result)


if __name__ == '__main__':
    main()
