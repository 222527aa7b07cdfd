# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stats_nginx role's real nginx site in front of two real HAProxy load balancers (the haproxy role's
configuration) routing to a real Redis master and replica watched by three Sentinels, all on 127.0.0.1.

Proves, in headless Chromium: the index lists both load balancers with live state (page up, which one holds
the VIP, the master UP and the replica DOWN) and each load balancer's stats page shows both Redis servers, the
master UP and the replica DOWN. Without credentials nginx answers 401; HAProxy's own auth passes through in
haproxy mode; TLS with a self-signed certificate serves the page over https; a configuration nginx -t rejects
never lands and the running nginx keeps serving; preflight names a missing secret.
"""

from __future__ import annotations

import grp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest

from ansible_collections.hastack.redis.tests.integration import haproxy_lab as lab
from ansible_collections.hastack.redis.tests.integration import stats_nginx_lab as web
from ansible_collections.hastack.redis.tests.integration import test_haproxy_routing as routing

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / 'tests' / 'output' / 'screenshots'
LBS = ('haredis1', 'haredis2')
USER, PASSWORD = 'viewer', 'Nginx-Pw "9" $x'
HAPROXY = lab.binary('haproxy')

pytestmark = pytest.mark.skipif(
    None in (web.NGINX, web.CHROMIUM, HAPROXY, routing.REDIS_SERVER, routing.REDIS_SENTINEL),
    reason='nginx, chromium, haproxy, redis-server and redis-sentinel must be installed '
           '(tools/install-host-packages.sh nginx chromium haproxy redis-server redis-sentinel)')


class LoadBalancers:
    """Redis master + replica, three Sentinels, and one HAProxy per load balancer rendered from the haproxy role."""

    def __init__(self, workdir: Path) -> None:
        self.redis = routing.Lab(workdir)
        self.stats_ports: dict[str, int] = {}

    def start(self) -> None:
        setup = self.redis
        master, replica = setup.redis_ports
        setup.start_redis(master)
        setup.start_redis(replica, '--replicaof', lab.HOST, str(master))
        for port in setup.sentinel_ports:
            setup.start_sentinel(port)
        for name in LBS:
            workdir = setup.workdir / name
            workdir.mkdir()
            stats_port = lab.free_port(setup.ports)
            self.stats_ports[name] = stats_port
            extra = setup.vars()
            extra.update({'inventory_hostname': name, 'haproxy_stats_port': stats_port, 'haproxy_redis_port': lab.free_port(setup.ports),
                          'haproxy_admin_socket': str(workdir / 'admin.sock'), 'haproxy_stats_refresh': '1h'})
            result = routing.render(workdir, extra)
            assert result.returncode == 0, result.stdout + result.stderr
            setup.procs.append(lab.Process('haproxy-' + name, [HAPROXY, '-f', str(workdir / 'haproxy.cfg'), '-db'], workdir))

        def settled() -> bool:
            for name in LBS:
                rows = lab.server_stats(setup.workdir / name / 'admin.sock')
                if (rows[('redis_redis1', 'redis1')]['status'], rows[('redis_redis2', 'redis2')]['status']) != ('UP', 'DOWN'):
                    return False
            return True

        lab.wait_until(settled, 30, 'HAProxy did not see the master UP and the replica DOWN on both load balancers', 0.2)

    def upstreams(self) -> list[dict]:
        return [{'name': name, 'address': lab.HOST, 'port': port} for name, port in self.stats_ports.items()]

    def stop(self) -> None:
        self.redis.stop()


@pytest.fixture(scope='module')
def lbs(tmp_path_factory):
    setup = LoadBalancers(tmp_path_factory.mktemp('stats-lbs'))
    try:
        setup.start()
        yield setup
    finally:
        setup.stop()


def _site(name: str, lbs: LoadBalancers, role_vars: dict) -> web.Site:
    role_vars = dict({'stats_nginx_upstreams': lbs.upstreams(), 'stats_nginx_upstream_username': 'admin',
                      'stats_nginx_upstream_password': routing.STATS_PASSWORD}, **role_vars)
    site = web.Site(name, lbs.redis.ports, role_vars)
    try:
        result = site.configure()
        assert result.returncode == 0, result.stdout + result.stderr
        site.start()
    except BaseException:
        site.stop()
        raise
    return site


@pytest.fixture(scope='module')
def nginx_site(lbs):
    """nginx mode, the VIP on the first load balancer's stats listener."""
    site = _site('nginx', lbs, {'stats_nginx_auth': 'nginx', 'stats_nginx_username': USER, 'stats_nginx_password': PASSWORD,
                                'stats_nginx_vip': lab.HOST, 'stats_nginx_vip_port': lbs.stats_ports['haredis1'],
                                'stats_nginx_index_refresh': 60})
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture(scope='module')
def haproxy_tls_site(lbs):
    """haproxy mode (HAProxy's stats auth passes through) over TLS with a self-signed certificate."""
    site = _site('tls', lbs, {'stats_nginx_auth': 'haproxy', 'stats_nginx_tls_enabled': True, 'stats_nginx_tls_self_signed': True})
    try:
        yield site
    finally:
        site.stop()


def browse(url: str, screenshot: str | None = None, extra: tuple[str, ...] = ()) -> str:
    profile = Path(tempfile.mkdtemp(prefix='hastack-chromium-'))
    try:
        dom = web.browse(url, profile, SCREENSHOTS / screenshot if screenshot else None, extra)
        if screenshot:
            (SCREENSHOTS / screenshot).with_suffix('.html').write_text(dom)
        return dom
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _quoted(text: str) -> str:
    return quote(text, safe='')


def server_states(dom: str) -> dict[str, str]:
    """Each Redis server's status cell ("11s UP", "10s DOWN") on HAProxy's stats page, in backend redis_<name>."""
    states = {}
    for name in ('redis1', 'redis2'):
        found = re.search(r'<a name="redis_%s/%s">.*?<td class="ac">(?:[0-9dhms]+ )?([A-Z][A-Za-z ]*?)(?: [0-9]+/[0-9]+)?</td>' % (name, name), dom, re.S)
        assert found, 'no status for server %s on the page:\n%s' % (name, dom[:3000])
        states[name] = found.group(1)
    return states


def test_preflight_names_a_missing_secret(tmp_path):
    play = [{'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'hastack.redis.stats_nginx'}]}]
    result = web.playbook(tmp_path, 'preflight', play, {
        'stats_nginx_upstreams': [{'name': 'haredis1', 'address': lab.HOST}], 'stats_nginx_upstream_password': 'x'},
        tags='stats_nginx_preflight')
    assert result.returncode != 0
    assert 'stats_nginx_password is not set' in result.stdout


def test_derives_the_load_balancers_from_inventory_names(tmp_path):
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text('all:\n  hosts:\n    witness: {ansible_connection: local}\n'
                         '    haredis1: {ansible_host: 10.20.1.131}\n    haredis2: {ansible_host: 10.20.1.132}\n')
    play = [{'hosts': 'witness', 'gather_facts': False,
             'vars_files': [str(web.ROLE / 'defaults' / 'main.yml'), str(web.ROLE / 'vars' / 'main.yml')],
             'tasks': [{'ansible.builtin.copy': {'content': '{{ stats_nginx_upstreams | to_json }}', 'dest': str(tmp_path / 'out.json'),
                                                 'mode': '0600'}}]}]
    (tmp_path / 'play.yml').write_text(json.dumps(play))
    result = subprocess.run([str(Path(sys.executable).parent / 'ansible-playbook'), '-i', str(inventory), str(tmp_path / 'play.yml'),
                             '-e', '{"stats_nginx_lb_hosts": ["haredis1", "haredis2"]}'],
                            env=web.ansible_env(tmp_path), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / 'out.json').read_text()) == [
        {'name': 'haredis1', 'address': '10.20.1.131', 'port': 8282}, {'name': 'haredis2', 'address': '10.20.1.132', 'port': 8282}]


def test_without_credentials_nginx_answers_401(nginx_site):
    base = 'http://%s:%d' % (lab.HOST, nginx_site.port)
    for path in ('/', '/haredis1/', '/haredis2/;csv', '/_vip/haredis1/'):
        status, headers, _body = web.get(base + path)
        assert status == 401, path
        assert headers.get('WWW-Authenticate') == 'Basic realm="Redis load balancers"'
        assert 'nginx/' not in headers.get('Server', '') and headers.get('Server') == 'nginx'
    assert web.get(base + '/haredis1/', USER, 'wrong')[0] == 401
    assert web.get(base + '/haredis1/;csv', USER, PASSWORD)[0] == 200
    assert web.get(base + '/elsewhere/', USER, PASSWORD)[0] == 404


def test_secrets_stay_out_of_the_site_and_private_to_nginx(nginx_site):
    htpasswd = nginx_site.root / 'etc' / 'hastack-stats' / 'htpasswd'
    stat = htpasswd.stat()
    assert oct(stat.st_mode & 0o777) == '0o640'
    assert (stat.st_uid, grp.getgrgid(stat.st_gid).gr_name) == (0, 'www-data')
    assert PASSWORD not in htpasswd.read_text()
    login = nginx_site.root / 'etc' / 'hastack-stats' / 'upstream-auth.conf'
    assert oct(login.stat().st_mode & 0o777) == '0o600' and login.stat().st_uid == 0
    assert 'Authorization' not in nginx_site.site_file.read_text()
    assert not (nginx_site.root / 'etc' / 'sites-enabled' / 'default').exists()


def test_index_shows_every_load_balancer_and_who_holds_the_vip(nginx_site):
    dom = browse('http://%s:%s@%s:%d/' % (_quoted(USER), _quoted(PASSWORD), lab.HOST, nginx_site.port), 'index.png')
    for name in LBS:
        row = re.search(r'<tr id="lb-%s".*?</tr>' % name, dom, re.S)
        assert row, dom
        row = row.group(0)
        assert '<a href="/%s/">%s</a>' % (name, name) in row
        assert 'class="page up" data-state="up"' in row, row
        assert 'data-server="redis1" data-state="UP"' in row, row
        assert 'data-server="redis2" data-state="DOWN"' in row, row
        expected_vip = 'holder' if name == 'haredis1' else 'standby'
        assert 'class="vip %s" data-state="%s"' % (expected_vip, expected_vip) in row, row
    assert 'VIP holder' in dom and 'standby' in dom


@pytest.mark.parametrize('name', LBS)
def test_each_stats_page_shows_the_master_up_and_the_replica_down(nginx_site, name):
    url = 'http://%s:%s@%s:%d/%s/' % (_quoted(USER), _quoted(PASSWORD), lab.HOST, nginx_site.port, name)
    dom = browse(url, 'stats-%s.png' % name)
    assert 'Statistics Report' in dom
    assert server_states(dom) == {'redis1': 'UP', 'redis2': 'DOWN'}
    # The README's picture; refreshed only on request, so a test run leaves the checkout clean.
    readme_image = REPO / 'docs' / 'images' / 'stats-page.png'
    if name == 'haredis1' and (not readme_image.exists() or os.environ.get('HASTACK_UPDATE_DOCS_IMAGES') == '1'):
        readme_image.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SCREENSHOTS / 'stats-haredis1.png', readme_image)


def test_haproxy_auth_passes_through_over_tls(haproxy_tls_site):
    base = 'https://%s:%d' % (lab.HOST, haproxy_tls_site.tls_port)
    status, headers, _body = web.get(base + '/haredis2/', tls=True)
    assert status == 401
    assert headers.get('WWW-Authenticate') == 'Basic realm="Redis load balancers"'
    assert web.get(base + '/haredis2/', 'admin', 'wrong', tls=True)[0] == 401
    status, _headers, body = web.get(base + '/haredis2/;csv', 'admin', routing.STATS_PASSWORD, tls=True)
    assert status == 200 and 'redis_redis1,redis1,' in body
    # The index has no password of its own: the first HAProxy judges the credentials.
    for path in ('/', '/index.html'):
        status, headers, _body = web.get(base + path, tls=True)
        assert status == 401, path
        assert headers.get('WWW-Authenticate') == 'Basic realm="HAProxy haredis1"'
        assert web.get(base + path, 'admin', 'wrong', tls=True)[0] == 401
        status, _headers, body = web.get(base + path, 'admin', routing.STATS_PASSWORD, tls=True)
        assert status == 200 and 'haredis2' in body, path
    status, headers, _body = web.get('http://%s:%d/haredis2/' % (lab.HOST, haproxy_tls_site.port))
    assert status == 301 and headers['Location'] == 'https://%s:%d/haredis2/' % (lab.HOST, haproxy_tls_site.tls_port)
    url = 'https://admin:%s@%s:%d/haredis2/' % (_quoted(routing.STATS_PASSWORD), lab.HOST, haproxy_tls_site.tls_port)
    dom = browse(url, 'stats-haredis2-tls.png', extra=('--ignore-certificate-errors',))
    assert server_states(dom) == {'redis1': 'UP', 'redis2': 'DOWN'}


def test_a_configuration_nginx_rejects_never_lands(nginx_site):
    before = nginx_site.site_file.read_bytes()
    broken = nginx_site.configure(stats_nginx_server_name='stats; no_such_directive on')
    assert broken.returncode != 0
    assert 'failed to validate' in broken.stdout and "unknown directive" in broken.stdout, broken.stdout
    assert nginx_site.site_file.read_bytes() == before
    # The whole configuration is tested, not the site alone: a valid site that clashes with another file is refused too.
    clash = nginx_site.root / 'etc' / 'conf.d' / 'clash.conf'
    clash.write_text('upstream stats_nginx_lb1 { server 127.0.0.1:9; }\n')
    refused = nginx_site.configure(stats_nginx_proxy_read_timeout='25s')
    clash.unlink()
    assert refused.returncode != 0 and 'duplicate upstream' in refused.stdout, refused.stdout
    assert nginx_site.site_file.read_bytes() == before
    nginx_site.reload()
    auth = (USER, PASSWORD)
    lab.wait_until(lambda: web.get('http://%s:%d/haredis1/;csv' % (lab.HOST, nginx_site.port), *auth)[0] == 200, 5, 'nginx stopped serving')
    assert nginx_site.process is not None and nginx_site.process.alive()
    # A valid change lands, and the reload serves it.
    changed = nginx_site.configure(stats_nginx_proxy_read_timeout='20s')
    assert changed.returncode == 0, changed.stdout
    assert 'proxy_read_timeout 20s;' in nginx_site.site_file.read_text() and 'stats_nginx reload notified' in changed.stdout
    nginx_site.reload()
    lab.wait_until(lambda: web.get('http://%s:%d/' % (lab.HOST, nginx_site.port), *auth)[0] == 200, 5, 'nginx stopped serving')
    # Re-running with the same input changes nothing (the password hashes to the same line).
    again = nginx_site.configure(stats_nginx_proxy_read_timeout='20s')
    assert again.returncode == 0 and 'changed=0' in again.stdout, again.stdout
