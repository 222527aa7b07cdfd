# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the stats_nginx role's live tests: the role's configuration in a private nginx tree, nginx and Chromium on 127.0.0.1."""

from __future__ import annotations

import base64
import shutil
import signal
import ssl
import subprocess
import tempfile
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

from ansible_collections.hastack.redis.tests.integration import haproxy_lab as lab

ROLE = Path(__file__).resolve().parents[2] / 'roles' / 'stats_nginx'
NGINX = lab.binary('nginx')
CHROMIUM = lab.binary('chromium')
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--window-size=1280,900']

# A private stand-in for Debian's nginx.conf: same include of sites-enabled, workers as www-data.
MAIN_CONFIG = """user www-data;
worker_processes 1;
error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {root}/access.log;
    client_body_temp_path {root}/temp/body;
    proxy_temp_path {root}/temp/proxy;
    fastcgi_temp_path {root}/temp/fastcgi;
    uwsgi_temp_path {root}/temp/uwsgi;
    scgi_temp_path {root}/temp/scgi;
    include {root}/etc/conf.d/*.conf;
    include {root}/etc/sites-enabled/*;
}}
"""


# Shared with the haproxy routing tests.
ansible_env = lab.ansible_env
playbook = lab.playbook


class Site:
    """The role's configure tasks run into a private nginx tree, and an nginx serving it on 127.0.0.1."""

    def __init__(self, name: str, ports: set[int], role_vars: dict) -> None:
        # Not under pytest's 0700 tmp dir: the www-data workers must reach the web root and the htpasswd file.
        self.root = Path(tempfile.mkdtemp(prefix='hastack-stats-nginx-%s-' % name))
        self.root.chmod(0o755)
        self.name = name
        self.port = lab.free_port(ports)
        self.tls_port = lab.free_port(ports)
        for sub in ('etc/sites-available', 'etc/sites-enabled', 'etc/conf.d', 'temp', 'ansible'):
            (self.root / sub).mkdir(parents=True)
        # The play sits next to the role's templates, as the role's own tasks would.
        (self.root / 'ansible' / 'templates').symlink_to(ROLE / 'templates')
        (self.root / 'etc' / 'nginx.conf').write_text(MAIN_CONFIG.format(root=self.root))
        # Stands for Debian's default site, which the role must disable.
        (self.root / 'etc' / 'sites-enabled' / 'default').write_text('server { listen 127.0.0.1:%d default_server; return 418; }\n' % self.port)
        self.vars = {
            'stats_nginx_config_dir': str(self.root / 'etc'), 'stats_nginx_web_root': str(self.root / 'www'),
            'stats_nginx_listen_address': lab.HOST, 'stats_nginx_port': self.port, 'stats_nginx_tls_port': self.tls_port,
            '_stats_nginx_binary': NGINX,
        }
        self.vars.update(role_vars)
        self.process: lab.Process | None = None

    @property
    def site_file(self) -> Path:
        return self.root / 'etc' / 'sites-available' / 'hastack-stats.conf'

    def configure(self, **overrides: object) -> subprocess.CompletedProcess:
        """The role's configure.yml with its defaults and internal vars; a reload only marks the play (the test signals nginx)."""
        play = [{'hosts': 'localhost', 'gather_facts': False,
                 'vars_files': [str(ROLE / 'defaults' / 'main.yml'), str(ROLE / 'vars' / 'main.yml')],
                 'tasks': [{'name': 'Configure the stats site', 'ansible.builtin.import_tasks': str(ROLE / 'tasks' / 'configure.yml')}],
                 'handlers': [{'name': 'Note the reload', 'ansible.builtin.debug': {'msg': 'stats_nginx reload notified'},
                               'listen': 'stats_nginx reload'}]}]
        return playbook(self.root / 'ansible', 'configure', play, dict(self.vars, **overrides))

    def start(self) -> None:
        argv = [NGINX, '-c', str(self.root / 'etc' / 'nginx.conf'), '-g', 'daemon off; pid %s;' % (self.root / 'nginx.pid')]
        self.process = lab.Process('nginx', argv, self.root)
        port = self.tls_port if self.vars.get('stats_nginx_tls_enabled') else self.port
        lab.wait_until(lambda: self._connects(port), 10, 'nginx did not listen on %d: %s' % (port, self.log()))

    def _connects(self, port: int) -> bool:
        import socket
        with socket.create_connection((lab.HOST, port), timeout=1):
            return True

    def reload(self) -> None:
        assert self.process is not None and self.process.alive(), self.log()
        self.process.proc.send_signal(signal.SIGHUP)

    def log(self) -> str:
        path = self.root / 'error.log'
        return path.read_text() if path.exists() else ''

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def get(url: str, user: str | None = None, password: str | None = None, tls: bool = False) -> tuple[int, Message, str]:
    """GET without following redirects; (status, headers (names in any case, as HTTP has them), body)."""
    request = urllib.request.Request(url)
    if user is not None:
        request.add_header('Authorization', 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode())

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    handlers: list = [NoRedirect()]
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=10) as reply:
            return reply.status, reply.headers, reply.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode('utf-8', 'replace')


def browse(url: str, profile: Path, screenshot: Path | None = None, extra: tuple[str, ...] = ()) -> str:
    """Load a page in headless Chromium and return the DOM after its scripts ran (and save a screenshot)."""
    flags = CHROMIUM_FLAGS + ['--user-data-dir=%s' % profile, '--virtual-time-budget=4000'] + list(extra)
    dom = subprocess.run([CHROMIUM, *flags, '--dump-dom', url], capture_output=True, text=True, timeout=60, check=False)
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([CHROMIUM, *flags, '--screenshot=%s' % screenshot, url], capture_output=True, timeout=60, check=False)
    assert dom.returncode == 0 and dom.stdout.strip(), 'chromium failed on %s: %s' % (url, dom.stderr[-2000:])
    return dom.stdout
