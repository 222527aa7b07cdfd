# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the haproxy role's live tests: processes on 127.0.0.1, clients through the collection's RESP client, HAProxy's admin socket."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import typing as t
from pathlib import Path

from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisConnection, RedisError

HOST = '127.0.0.1'


def binary(name: str) -> str | None:
    for candidate in (shutil.which(name), '/usr/sbin/' + name, '/usr/bin/' + name):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def free_port(taken: set[int]) -> int:
    """A free TCP port on 127.0.0.1 above 10000, never handed out twice."""
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if port > 10000 and port not in taken:
            taken.add(port)
            return port


def client(port: int, timeout: float = 2.0, password: str | None = None) -> RedisConnection:
    """A connection to 127.0.0.1:port through the collection's own RESP client (it connects on first use)."""
    return RedisConnection(HOST, port, password=password, connect_timeout=timeout, read_timeout=timeout)


class Process:
    """A process started by the tests, in its own session, killed at teardown."""

    def __init__(self, name: str, argv: list[str], workdir: Path) -> None:
        self.name = name
        self.log = workdir / (name + '.log')
        with open(self.log, 'wb') as log:
            self.proc = subprocess.Popen(argv, cwd=str(workdir), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        stop_process(self.proc, grace=3)


def stop_process(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; nothing if it already exited."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def wait_until(predicate: t.Callable[[], t.Any], timeout: float, message: str, interval: float = 0.1) -> t.Any:
    deadline = time.monotonic() + timeout
    last: t.Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, RedisError) as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError('%s (last: %r)' % (message, last))


def admin(socket_path: Path, command: str) -> str:
    """Run one command on HAProxy's admin socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(3)
        sock.connect(str(socket_path))
        sock.sendall(command.encode() + b'\n')
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b''.join(chunks).decode()


def server_stats(socket_path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """`show stat` as {(proxy, server): row}."""
    text = admin(socket_path, 'show stat').lstrip('# ')
    return {(row['pxname'], row['svname']): row for row in csv.DictReader(io.StringIO(text))}


def ansible_env(home: Path) -> dict[str, str]:
    """Environment for an ansible-playbook run from this venv, isolated in ``home``."""
    env = dict(os.environ)
    env.update({
        'ANSIBLE_HOME': str(home), 'ANSIBLE_LOCAL_TEMP': str(home / 'tmp'), 'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable, 'ANSIBLE_RETRY_FILES_ENABLED': '0',
    })
    env.pop('ANSIBLE_CONFIG', None)
    return env


def playbook(workdir: Path, name: str, play: list[dict], extra_vars: dict, tags: str | None = None) -> subprocess.CompletedProcess:
    """Write ``play`` and ``extra_vars`` into ``workdir`` and run them against localhost."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / (name + '.yml')).write_text(json.dumps(play))
    (workdir / (name + '.json')).write_text(json.dumps(extra_vars))
    argv = [str(Path(sys.executable).parent / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
            str(workdir / (name + '.yml')), '-e', '@' + str(workdir / (name + '.json'))]
    if tags:
        argv += ['--tags', tags]
    return subprocess.run(argv, env=ansible_env(workdir), cwd=str(workdir), capture_output=True, text=True, timeout=120, check=False)
