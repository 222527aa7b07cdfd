# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's maker of TLS material (lab/certs.py) with the real openssl, its results read by Python's ssl module.

A certificate's names, dates and issuer are read with the ssl module's decoder; its
extendedKeyUsage by TLS handshakes in memory where it serves a client that checks the name
it asked for (serverAuth) and is the client certificate a server asks for (clientAuth).
"""

from __future__ import annotations

import ipaddress
import json
import os
import pathlib
import ssl
import subprocess
import sys
import time
import typing as t

import pytest

from ansible_collections.hastack.redis.lab import certs
from ansible_collections.hastack.redis.plugins.module_utils.tls import handshake

pytestmark = pytest.mark.skipif(certs.OPENSSL is None, reason="the openssl binary (Debian package openssl) makes the certificates")

VIP = "10.20.1.100"
DAY = 86400


def decode(path: str | pathlib.Path) -> dict[str, t.Any]:
    """The certificate file as the ssl module decodes it (subject, issuer, dates, subjectAltName, serial number)."""
    return ssl._ssl._test_decode_cert(str(path))  # pylint: disable=protected-access


def lifetime(peer: dict[str, t.Any]) -> float:
    return ssl.cert_time_to_seconds(peer["notAfter"]) - ssl.cert_time_to_seconds(peer["notBefore"])


def mutual_handshake(ca: str | pathlib.Path, cert: str | pathlib.Path, key: str | pathlib.Path, name: str) -> None:
    """A handshake in memory where `cert` is both the server's certificate, checked for `name` (serverAuth),
    and the client's, which the server requires (clientAuth); both sides trust only `ca`."""
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(str(cert), str(key))
    server.verify_mode = ssl.CERT_REQUIRED
    server.load_verify_locations(cafile=str(ca))
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.hostname_checks_common_name = False
    client.load_verify_locations(cafile=str(ca))
    client.load_cert_chain(str(cert), str(key))
    handshake(server, client, server_hostname=name)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, t.Any]:
    """The summary certs.py prints for `argv`."""
    certs.main(list(argv))
    return json.loads(capsys.readouterr().out)


def test_a_ca_and_two_host_certificates(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "tls"
    summary = run_cli(capsys, "--dir", str(folder), "--ca", "lab-ca", "--san", VIP,
                      "--host", "redis1", "--san", "10.30.1.131", "--san", "redis1",
                      "--host", "redis2", "--san", "10.30.1.132", "--san", "redis2.example.test")
    ca = folder / "lab-ca.pem"
    assert summary["ca"]["made"] is True
    assert summary["ca"]["cert"] == str(ca) and summary["ca"]["key"] == str(folder / "lab-ca.key")
    assert sorted(os.listdir(folder)) == ["lab-ca.key", "lab-ca.pem", "redis1.crt", "redis1.key", "redis2.crt", "redis2.key"]
    assert (folder.stat().st_mode & 0o777) == 0o700
    for key in ("lab-ca.key", "redis1.key", "redis2.key"):
        assert ((folder / key).stat().st_mode & 0o777) == 0o600
        assert "prime256v1" in certs.run_openssl("pkey", "-in", str(folder / key), "-noout", "-text")
    authority = decode(ca)
    assert authority["subject"] == authority["issuer"] == ((("organizationName", "hastack lab"),), (("commonName", "lab-ca"),))
    assert abs(lifetime(authority) - certs.CA_DAYS * DAY) < 60
    assert int(summary["ca"]["serial"], 16) == int(authority["serialNumber"], 16)

    expected = {"redis1": ["10.30.1.131", "redis1"], "redis2": ["10.30.1.132", "redis2.example.test"]}
    assert [made["host"] for made in summary["certificates"]] == ["redis1", "redis2"]
    for made in summary["certificates"]:
        host = made["host"]
        assert made["names"] == expected[host] + [VIP]
        peer = decode(made["cert"])
        assert peer["subject"] == ((("commonName", host),),)
        assert peer["issuer"] == authority["subject"]
        assert peer["subjectAltName"] == tuple(("DNS" if name[0].isalpha() else "IP Address", name) for name in made["names"])
        assert abs(lifetime(peer) - certs.DAYS * DAY) < 60
        assert abs(ssl.cert_time_to_seconds(peer["notBefore"]) - time.time()) < 600
        assert made["not_after"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ssl.cert_time_to_seconds(peer["notAfter"])))
        assert int(made["serial"], 16) == int(peer["serialNumber"], 16)
        for name in made["names"]:
            mutual_handshake(ca, made["cert"], made["key"], name)
    with pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch"):
        mutual_handshake(ca, folder / "redis1.crt", folder / "redis1.key", "10.30.1.132")
    # A key that does not match: another host's.
    with pytest.raises(ssl.SSLError, match="KEY_VALUES_MISMATCH|key values mismatch"):
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(folder / "redis1.crt"), str(folder / "redis2.key"))


def test_run_again_it_keeps_the_ca_and_renews_or_rotates(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "tls"
    first = run_cli(capsys, "--dir", str(folder), "--ca", "lab-ca", "--host", "redis1", "--san", "10.30.1.131")
    ca_files = [(folder / name).read_bytes() for name in ("lab-ca.pem", "lab-ca.key")]
    old_key = (folder / "redis1.key").read_bytes()
    (folder / "old.key").write_bytes(old_key)

    renewed = run_cli(capsys, "--dir", str(folder), "--ca", "lab-ca", "--ca-days", "5", "--host", "redis1", "--san", "10.30.1.131")
    assert renewed["ca"]["made"] is False
    assert renewed["ca"]["serial"] == first["ca"]["serial"]
    assert [(folder / name).read_bytes() for name in ("lab-ca.pem", "lab-ca.key")] == ca_files
    assert renewed["certificates"][0]["serial"] != first["certificates"][0]["serial"]
    assert (folder / "redis1.key").read_bytes() != old_key
    mutual_handshake(folder / "lab-ca.pem", folder / "redis1.crt", folder / "redis1.key", "10.30.1.131")
    with pytest.raises(ssl.SSLError):
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(folder / "redis1.crt"), str(folder / "old.key"))

    rotated = run_cli(capsys, "--dir", str(folder), "--ca", "lab-ca", "--host", "redis1-next", "--san", "10.30.1.131")
    assert rotated["certificates"][0]["cert"] == str(folder / "redis1-next.crt")
    for name in ("redis1", "redis1-next"):
        mutual_handshake(folder / "lab-ca.pem", folder / f"{name}.crt", folder / f"{name}.key", "10.30.1.131")
    assert not [name for name in os.listdir(folder) if name.startswith(".")]


def test_an_expired_certificate(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = run_cli(capsys, "--dir", str(tmp_path), "--ca", "lab-ca", "--host", "expired", "--san", "10.30.1.131", "--expired")
    made = summary["certificates"][0]
    assert (made["not_before"], made["not_after"]) == ("2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z")
    peer = decode(made["cert"])
    assert (peer["notBefore"], peer["notAfter"]) == ("Jan  1 00:00:00 2020 GMT", "Jan  2 00:00:00 2020 GMT")
    assert peer["subjectAltName"] == (("IP Address", "10.30.1.131"),)
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate has expired"):
        mutual_handshake(tmp_path / "lab-ca.pem", made["cert"], made["key"], "10.30.1.131")


def test_a_second_ca_signs_what_the_first_one_refuses(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "--dir", str(tmp_path), "--ca", "lab-ca")
    summary = run_cli(capsys, "--dir", str(tmp_path), "--ca", "other-ca", "--host", "other", "--san", "10.30.1.131")
    assert summary["ca"]["made"] is True
    assert decode(tmp_path / "other.crt")["issuer"] == ((("organizationName", "hastack lab"),), (("commonName", "other-ca"),))
    mutual_handshake(tmp_path / "other-ca.pem", tmp_path / "other.crt", tmp_path / "other.key", "10.30.1.131")
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer certificate"):
        mutual_handshake(tmp_path / "lab-ca.pem", tmp_path / "other.crt", tmp_path / "other.key", "10.30.1.131")


def test_days_and_dates(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "--dir", str(tmp_path), "--ca", "short-ca", "--ca-days", "40", "--host", "month", "--san", "redis1", "--days", "30")
    assert abs(lifetime(decode(tmp_path / "short-ca.pem")) - 40 * DAY) < 60
    assert abs(lifetime(decode(tmp_path / "month.crt")) - 30 * DAY) < 60
    run_cli(capsys, "--dir", str(tmp_path), "--ca", "short-ca", "--host", "later", "--san", "redis1",
            "--not-before", "20300101000000Z", "--not-after", "20310601120000Z")
    peer = decode(tmp_path / "later.crt")
    assert (peer["notBefore"], peer["notAfter"]) == ("Jan  1 00:00:00 2030 GMT", "Jun  1 12:00:00 2031 GMT")
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate is not yet valid"):
        mutual_handshake(tmp_path / "short-ca.pem", tmp_path / "later.crt", tmp_path / "later.key", "redis1")


def test_the_functions_make_what_the_tests_of_tls_check_need(tmp_path: pathlib.Path) -> None:
    ca, ca_key, key = str(tmp_path / "ca.pem"), str(tmp_path / "ca.key"), str(tmp_path / "server.key")
    certs.make_ca(ca, ca_key, subject="/O=hastack test/CN=Test CA", days=10)
    certs.make_key(key)
    # Several certificates for one key: for servers or clients only, without subjectAltName, self-signed.
    server_only = certs.make_certificate(str(tmp_path / "server_only.pem"), key, ca, ca_key, names=["[2001:db8::11]"],
                                         usages=["serverAuth"])
    assert decode(server_only)["subject"] == ((("commonName", "2001:db8::11"),),)
    ((kind, address),) = decode(server_only)["subjectAltName"]
    assert (kind, ipaddress.ip_address(address.strip())) == ("IP Address", ipaddress.ip_address("2001:db8::11"))
    client_only = certs.make_certificate(str(tmp_path / "client_only.pem"), key, ca, ca_key, names=["2001:db8::11"],
                                         usages=["clientAuth"])
    # The handshakes do check each usage: one is missing from each certificate.
    for lacking in (server_only, client_only):
        with pytest.raises(ssl.SSLCertVerificationError, match="unsuitable certificate purpose"):
            mutual_handshake(ca, lacking, key, "2001:db8::11")
    no_names = certs.make_certificate(str(tmp_path / "cn_only.pem"), key, ca, ca_key, subject="/CN=redis1")
    assert "subjectAltName" not in decode(no_names)
    self_signed = certs.make_certificate(str(tmp_path / "self.pem"), key, None, None, names=["redis1"])
    assert decode(self_signed)["issuer"] == decode(self_signed)["subject"] == ((("commonName", "redis1"),),)
    mutual_handshake(self_signed, self_signed, key, "redis1")
    # A CA out of its dates: `openssl ca` keeps the common name of its subject only.
    old = certs.make_ca(str(tmp_path / "old.pem"), str(tmp_path / "old.key"), subject="/O=hastack test/CN=Old CA",
                        not_before="20200101000000Z", not_after="20200102000000Z")
    assert decode(old)["issuer"] == ((("commonName", "Old CA"),),)
    assert decode(old)["notAfter"] == "Jan  2 00:00:00 2020 GMT"


def test_subject_alt_name() -> None:
    assert certs.subject_alt_name(["redis1", "10.30.1.131", "[2001:DB8::0011]", "*.redis.example.test", "redis1"]) == \
        "DNS:redis1,IP:10.30.1.131,IP:2001:db8::11,DNS:*.redis.example.test"
    assert certs.subject_alt_name([]) == ""
    for wrong in ("a,b", "two words", "", "a..b", "redis1:6379", "-x.example"):
        with pytest.raises(ValueError, match="neither an IP address nor a DNS name"):
            certs.subject_alt_name([wrong])


@pytest.mark.parametrize("argv, message", [
    (["--host", "redis1", "--san", "a,b"], "'a,b' is neither an IP address nor a DNS name"),
    (["--host", "../redis1", "--san", VIP], "host '../redis1' is not a file name"),
    (["--host", "redis1"], "the certificate of redis1 would name nothing: give it a --san"),
    (["--host", "redis1", "--san", VIP, "--host", "redis1", "--san", VIP], "host 'redis1' is named twice"),
    (["--host", "lab-ca", "--san", VIP], "host 'lab-ca' has the CA's name"),
    (["--host", "redis1", "--san", VIP, "--not-before", "2030-01-01", "--not-after", "20310101000000Z"],
     "date '2030-01-01' is not YYYYMMDDHHMMSSZ"),
    (["--host", "redis1", "--san", VIP, "--not-before", "20310101000000Z", "--not-after", "20300101000000Z"],
     "the start 20310101000000Z is not before the end 20300101000000Z"),
])
def test_refusals_write_nothing(tmp_path: pathlib.Path, argv: list[str], message: str) -> None:
    folder = tmp_path / "tls"
    with pytest.raises(SystemExit, match=message):
        certs.main(["--dir", str(folder), "--ca", "lab-ca", *argv])
    assert not folder.exists()


@pytest.mark.parametrize("argv, message", [
    (["--san", VIP], "give a --host"),
    (["--host", "redis1", "--san", VIP, "--days", "3", "--expired"], "not allowed with"),
    (["--host", "redis1", "--san", VIP, "--not-after", "20300101000000Z"], "--not-before and --not-after go together"),
    (["--host", "redis1", "--san", VIP, "--days", "0"], "0 is not 1 or more"),
])
def test_usage_errors(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit):
        certs.main(["--dir", str(tmp_path / "tls"), "--ca", "lab-ca", *argv])
    assert message in capsys.readouterr().err
    assert not (tmp_path / "tls").exists()


def test_a_ca_certificate_without_its_key_is_not_replaced(tmp_path: pathlib.Path) -> None:
    (tmp_path / "lab-ca.pem").write_text("kept\n", encoding="ascii")
    with pytest.raises(SystemExit, match="lab-ca.pem exists without .*lab-ca.key"):
        certs.main(["--dir", str(tmp_path), "--ca", "lab-ca", "--host", "redis1", "--san", VIP])
    assert os.listdir(tmp_path) == ["lab-ca.pem"]
    assert (tmp_path / "lab-ca.pem").read_text(encoding="ascii") == "kept\n"


def test_the_command_line_runs_where_the_collection_is_not_on_the_path(tmp_path: pathlib.Path) -> None:
    """Molecule runs it with the controller's Python, the collection nowhere on its path."""
    script = pathlib.Path(__file__).resolve().parents[3] / "lab" / "certs.py"
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "ANSIBLE_COLLECTIONS_PATH")}
    result = subprocess.run([sys.executable, "-I", str(script), "--dir", "tls", "--ca", "lab-ca", "--host", "redis1", "--san", VIP],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["certificates"][0]["cert"] == os.path.join("tls", "redis1.crt")
    mutual_handshake(tmp_path / "tls" / "lab-ca.pem", tmp_path / "tls" / "redis1.crt", tmp_path / "tls" / "redis1.key", VIP)


def test_runs_in_parallel_share_one_ca(tmp_path: pathlib.Path) -> None:
    """Hosts whose certificates a playbook makes at once (no throttle) get them from the same CA."""
    script = pathlib.Path(__file__).resolve().parents[3] / "lab" / "certs.py"
    runs = [subprocess.Popen([sys.executable, "-I", str(script), "--dir", str(tmp_path / "tls"), "--ca", "lab-ca",
                              "--host", f"redis{number}", "--san", f"10.30.1.{number}"], stdout=subprocess.PIPE, text=True)
            for number in range(1, 7)]
    summaries = [json.loads(run.communicate(timeout=60)[0]) for run in runs]
    assert [run.returncode for run in runs] == [0] * 6
    assert sum(summary["ca"]["made"] for summary in summaries) == 1
    assert len({summary["ca"]["serial"] for summary in summaries}) == 1
    for number in range(1, 7):
        folder = tmp_path / "tls"
        mutual_handshake(folder / "lab-ca.pem", folder / f"redis{number}.crt", folder / f"redis{number}.key", f"10.30.1.{number}")
