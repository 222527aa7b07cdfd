# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the haproxy role's live tests: processes on 127.0.0.1, a tiny RESP client, HAProxy's admin socket."""

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


class RespError(Exception):
    """A Redis error reply."""


def _encode(words: t.Sequence[t.Any]) -> bytes:
    out = [b'*%d\r\n' % len(words)]
    for word in words:
        data = str(word).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(data), data))
    return b''.join(out)


class Client:
    """Minimal RESP2 client; raises ConnectionError when the peer closes."""

    def __init__(self, port: int, timeout: float = 2.0) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buffer = b''

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: t.Any) -> None:
        self.close()

    def _line(self) -> bytes:
        while b'\r\n' not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('connection closed by peer')
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b'\r\n', 1)
        return line

    def _exact(self, size: int) -> bytes:
        while len(self.buffer) < size + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('connection closed by peer')
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size + 2:]
        return data

    def _reply(self) -> t.Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b'+':
            return rest.decode()
        if kind == b'-':
            raise RespError(rest.decode())
        if kind == b':':
            return int(rest)
        if kind == b'$':
            size = int(rest)
            return None if size < 0 else self._exact(size).decode()
        if kind == b'*':
            size = int(rest)
            return None if size < 0 else [self._reply() for _index in range(size)]
        raise RespError('unexpected reply %r' % line)

    def command(self, *words: t.Any) -> t.Any:
        self.sock.sendall(_encode(words))
        return self._reply()

    def info(self, section: str) -> dict[str, str]:
        text = self.command('INFO', section)
        return dict(line.split(':', 1) for line in text.splitlines() if ':' in line and not line.startswith('#'))


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
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def wait_until(predicate: t.Callable[[], t.Any], timeout: float, message: str, interval: float = 0.1) -> t.Any:
    deadline = time.monotonic() + timeout
    last: t.Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, RespError) as exc:
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
