# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's TLS material: a CA and the certificates it signs, made by Debian's openssl.

Every key and certificate is made by the `openssl` program (Debian package
openssl), never by a Python crypto library, with a configuration of its own so
that whatever /etc/ssl/openssl.cnf says changes nothing:

- a CA: an EC P-256 key and a self-signed certificate (basicConstraints
  CA:TRUE, keyUsage keyCertSign and cRLSign), valid for a number of days;
- certificates it signs, each for an EC P-256 key: subjectAltName the DNS
  names and IP addresses given, extendedKeyUsage serverAuth and clientAuth
  (Redis and Sentinel present the same certificate as clients of their
  replicas and of the other Sentinels), valid for a number of days or between
  two dates, e.g. an expired one (`openssl ca -startdate -enddate`: OpenSSL
  3.0, Debian 12's, has no `x509 -not_after`).

Command line (Molecule's playbooks run it on the controller):

    python lab/certs.py --dir DIR --ca NAME [--ca-days N] [--san NAME ...]
        [--host NAME [--san NAME ...]] ... [--days N | --expired | --not-before T --not-after T]

The CA is DIR/NAME.pem with its key DIR/NAME.key: made when neither file exists,
else reused. Each --host gets a new key DIR/HOST.key and a certificate
DIR/HOST.crt signed by the CA. A --san before the first --host goes into every
certificate (the VIP), one after a --host into that host's only (its address,
its name); an IP address (IPv4 or IPv6) becomes an IP entry, anything else a
DNS entry. Run again with the same --host, it replaces that key and certificate
(a renewal: new key, new serial number); with another --host name it makes a
second certificate beside the first (a rotation). Another --ca makes a second
CA, whose certificates the first CA's clients refuse; an expired certificate
is --expired, a key that does not match is another host's. Runs in the same
DIR take turns, so hosts whose certificates are made at once share one CA.
It prints a JSON summary of the files it wrote.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import ipaddress
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import typing as t

OPENSSL = shutil.which("openssl")

#: days a CA is valid for unless told otherwise
CA_DAYS = 3650
#: days a certificate is valid for unless told otherwise
DAYS = 365
#: what a certificate may be used for: Redis and Sentinel are TLS servers and clients with the same one
SERVER_AND_CLIENT = ("serverAuth", "clientAuth")
#: --expired: the certificate was valid on 1 January 2020 only
EXPIRED = ("20200101000000Z", "20200102000000Z")
#: the subject of a CA unless told otherwise
CA_SUBJECT = "/O=hastack lab/CN=hastack lab CA"

# A configuration of its own, so that the extensions are these whatever /etc/ssl/openssl.cnf says.
# `openssl ca` (a certificate with given dates) keeps only the subject fields its policy names (CN).
_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[cert_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
{usages}{names}subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ca]
default_ca = lab_ca
[lab_ca]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any_name
unique_subject = no
[any_name]
commonName = supplied
"""

# A DNS name as a subjectAltName entry may hold it: labels of letters, digits, '-' and '_', the first one '*' too.
_DNS_NAME = re.compile(r"^(\*|[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)(\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*$")
# A file name in --dir: no path, no hidden file.
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
# A date as `openssl ca -startdate/-enddate` takes it (ASN.1 GeneralizedTime, UTC).
_DATE = re.compile(r"^[0-9]{14}Z$")


class OpensslError(RuntimeError):
    """The openssl program failed; the message holds the command and what it printed."""


def run_openssl(*args: str, cwd: str | None = None, config: str | None = None) -> str:
    """Run `openssl ARGS` (in `cwd`, with the configuration file `config` if given); return what it printed."""
    if OPENSSL is None:
        raise OpensslError("the openssl program is not installed (Debian package openssl)")
    env = dict(os.environ, OPENSSL_CONF=config) if config else None
    done = subprocess.run([OPENSSL, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False)
    output = done.stdout.decode(errors="replace")
    if done.returncode:
        raise OpensslError(f"openssl {' '.join(args)} failed: {output.strip()}")
    return output


def subject_alt_name(names: t.Iterable[str]) -> str:
    """The subjectAltName of `names` as openssl's configuration writes it: `DNS:a.example,IP:10.0.0.1`.

    An IP address (IPv4 or IPv6, also in brackets) becomes an IP entry, anything else a DNS entry;
    a name given twice is named once. Raises ValueError for a name that is neither.
    """
    entries: list[str] = []
    for name in names:
        text = str(name).strip()
        bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        try:
            entry = f"IP:{ipaddress.ip_address(bare)}"
        except ValueError:
            if not _DNS_NAME.match(text) or len(text) > 253:
                raise ValueError(f"{name!r} is neither an IP address nor a DNS name") from None
            entry = f"DNS:{text}"
        if entry not in entries:
            entries.append(entry)
    return ",".join(entries)


def _check_dates(not_before: str | None, not_after: str | None) -> bool:
    """True when both dates are given (and valid), False when neither is; ValueError otherwise."""
    if not_before is None and not_after is None:
        return False
    if not_before is None or not_after is None:
        raise ValueError("give both dates, the start and the end, or neither")
    for date in (not_before, not_after):
        if not _DATE.match(date):
            raise ValueError(f"date {date!r} is not YYYYMMDDHHMMSSZ (UTC), e.g. 20200101000000Z")
    if not_before >= not_after:
        raise ValueError(f"the start {not_before} is not before the end {not_after}")
    return True


@contextlib.contextmanager
def _workspace(names: t.Iterable[str] = (), usages: t.Iterable[str] = SERVER_AND_CLIENT) -> t.Iterator[tuple[str, str]]:
    """A private directory for one signature, with the configuration and `openssl ca`'s database; yields both paths."""
    san = subject_alt_name(names)
    purposes = ",".join(usages)
    with tempfile.TemporaryDirectory(prefix="certs-") as work:
        config = os.path.join(work, "openssl.cnf")
        with open(config, "w", encoding="ascii") as handle:
            handle.write(_CONFIG.format(usages=f"extendedKeyUsage = {purposes}\n" if purposes else "",
                                        names=f"subjectAltName = {san}\n" if san else ""))
        with open(os.path.join(work, "index.txt"), "w", encoding="ascii"):
            pass
        yield work, config


def make_key(key: str) -> str:
    """Write a new EC P-256 private key (PEM, no passphrase, mode 0600) to the file `key`; return its path."""
    run_openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
    os.chmod(key, 0o600)
    return key


def make_ca(cert: str, key: str, subject: str = CA_SUBJECT, days: int = CA_DAYS, not_before: str | None = None,
            not_after: str | None = None) -> str:
    """Make a CA: a new key in the file `key` and its self-signed certificate in `cert`; return `cert`.

    The certificate is valid for `days` from now, or from `not_before` to `not_after`
    (YYYYMMDDHHMMSSZ, UTC; its subject then keeps the common name only).
    """
    dated = _check_dates(not_before, not_after)
    cert, key = os.path.abspath(cert), os.path.abspath(key)
    make_key(key)
    with _workspace() as (work, config):
        if dated:
            run_openssl("req", "-new", "-key", key, "-subj", subject, "-out", "ca.csr", cwd=work, config=config)
            run_openssl("ca", "-batch", "-notext", "-rand_serial", "-selfsign", "-config", config, "-keyfile", key,
                        "-in", "ca.csr", "-startdate", str(not_before), "-enddate", str(not_after), "-extfile", config,
                        "-extensions", "ca_ext", "-out", cert, cwd=work, config=config)
        else:
            run_openssl("req", "-x509", "-new", "-key", key, "-subj", subject, "-days", str(days), "-sha256",
                        "-extensions", "ca_ext", "-out", cert, cwd=work, config=config)
    return cert


def make_certificate(cert: str, key: str, ca_cert: str | None, ca_key: str | None, names: t.Iterable[str] = (),
                     subject: str | None = None, days: int = DAYS, not_before: str | None = None,
                     not_after: str | None = None, usages: t.Iterable[str] = SERVER_AND_CLIENT) -> str:
    """Sign a certificate for the existing key `key` with the CA `ca_cert` and `ca_key`; write it to `cert`, return it.

    Without a CA (`ca_cert` and `ca_key` None) the certificate is self-signed.

    :param names: DNS names and IP addresses of its subjectAltName (none: no subjectAltName)
    :param subject: e.g. `/CN=redis1` (default: the first of `names`)
    :param days: valid for this many days from now, unless `not_before` and `not_after` (YYYYMMDDHHMMSSZ, UTC) say
    :param usages: its extendedKeyUsage (none: no extendedKeyUsage)
    """
    names = list(names)
    dated = _check_dates(not_before, not_after)
    if (ca_cert is None) != (ca_key is None):
        raise ValueError("give the CA's certificate and key, or neither for a self-signed certificate")
    if dated and ca_cert is None:
        raise ValueError("a self-signed certificate is valid for a number of days, not between dates")
    if subject is None:
        if not names:
            raise ValueError("give a subject or names for the certificate")
        subject = f"/CN={str(names[0]).strip('[]')}"
    cert, key = os.path.abspath(cert), os.path.abspath(key)
    with _workspace(names, usages) as (work, config):
        if ca_cert is None or ca_key is None:
            run_openssl("req", "-x509", "-new", "-key", key, "-subj", subject, "-days", str(days), "-sha256",
                        "-extensions", "cert_ext", "-out", cert, cwd=work, config=config)
            return cert
        ca_cert, ca_key = os.path.abspath(ca_cert), os.path.abspath(ca_key)
        run_openssl("req", "-new", "-key", key, "-subj", subject, "-out", "cert.csr", cwd=work, config=config)
        if dated:
            run_openssl("ca", "-batch", "-notext", "-rand_serial", "-config", config, "-cert", ca_cert, "-keyfile", ca_key,
                        "-in", "cert.csr", "-startdate", str(not_before), "-enddate", str(not_after), "-extfile", config,
                        "-extensions", "cert_ext", "-out", cert, cwd=work, config=config)
        else:
            run_openssl("x509", "-req", "-in", "cert.csr", "-CA", ca_cert, "-CAkey", ca_key, "-days", str(days), "-sha256",
                        "-extfile", config, "-extensions", "cert_ext", "-out", cert, cwd=work, config=config)
    return cert


def describe(cert: str) -> dict[str, str]:
    """The serial number (hexadecimal) and the dates (ISO 8601, UTC) of the certificate file `cert`, as openssl reads them."""
    output = run_openssl("x509", "-in", cert, "-noout", "-serial", "-startdate", "-enddate")
    fields = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
    return {"serial": fields["serial"], "not_before": _iso_time(fields["notBefore"]), "not_after": _iso_time(fields["notAfter"])}


def _iso_time(openssl_time: str) -> str:
    """`Jan  2 00:00:00 2020 GMT` as `2020-01-02T00:00:00Z`."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ssl.cert_time_to_seconds(openssl_time)))


def _file_name(what: str, name: str) -> str:
    """`name`, which a file of --dir is named after; ValueError unless it is a plain file name."""
    if not _FILE_NAME.match(name):
        raise ValueError(f"{what} {name!r} is not a file name: letters, digits, '.', '-' and '_', not starting with '.' or '-'")
    return name


@contextlib.contextmanager
def _locked(directory: str) -> t.Iterator[None]:
    """One certs.py at a time in `directory` (an exclusive lock on the directory itself, so no file is left behind):
    hosts whose certificates are made in parallel then share one CA."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def ensure_ca(directory: str, name: str, days: int = CA_DAYS) -> dict[str, t.Any]:
    """The CA `name` of `directory` (NAME.pem, NAME.key): reused when both files exist, else made, valid for `days`.

    Returns its summary: name, cert, key, made (True when made now), serial, not_before, not_after.
    """
    _file_name("CA name", name)
    cert, key = os.path.join(directory, f"{name}.pem"), os.path.join(directory, f"{name}.key")
    present = [path for path in (cert, key) if os.path.exists(path)]
    if len(present) == 1:
        missing = key if present[0] == cert else cert
        raise ValueError(f"{present[0]} exists without {missing}: remove it, or give another CA name")
    if not present:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".certs-", dir=directory) as work:
            made_cert, made_key = os.path.join(work, "ca.pem"), os.path.join(work, "ca.key")
            make_ca(made_cert, made_key, subject=f"/O=hastack lab/CN={name}", days=days)
            os.replace(made_key, key)
            os.replace(made_cert, cert)
    return {"name": name, "cert": cert, "key": key, "made": not present, **describe(cert)}


def issue(directory: str, ca: str, hosts: t.Sequence[tuple[str, t.Sequence[str]]], shared: t.Sequence[str] = (),
          ca_days: int = CA_DAYS, days: int = DAYS, not_before: str | None = None,
          not_after: str | None = None) -> dict[str, t.Any]:
    """The command line's work: the CA `ca` of `directory` (see :func:`ensure_ca`), then for each `(host, names)`
    of `hosts` a new key HOST.key and a certificate HOST.crt (CN=HOST) naming `names`, then `shared`.

    Everything is checked before anything is written. Returns the summary the command line prints.
    """
    _file_name("CA name", ca)
    _check_dates(not_before, not_after)
    if days < 1 or ca_days < 1:
        raise ValueError("a CA or a certificate is valid for 1 day or more")
    seen: set[str] = set()
    for host, names in hosts:
        _file_name("host", host)
        if host in seen:
            raise ValueError(f"host {host!r} is named twice")
        if host == ca:
            raise ValueError(f"host {host!r} has the CA's name: its key would replace the CA's")
        seen.add(host)
        if not subject_alt_name([*names, *shared]):
            raise ValueError(f"the certificate of {host} would name nothing: give it a --san")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    with _locked(directory):
        summary: dict[str, t.Any] = {"ca": ensure_ca(directory, ca, ca_days), "certificates": []}
        for host, names in hosts:
            summary["certificates"].append(_issue_one(directory, summary["ca"], host, [*names, *shared], days,
                                                      not_before, not_after))
    return summary


def _issue_one(directory: str, ca: dict[str, t.Any], host: str, names: list[str], days: int, not_before: str | None,
               not_after: str | None) -> dict[str, t.Any]:
    """A new key HOST.key and certificate HOST.crt in `directory`, each put in place whole; return its summary."""
    cert, key = os.path.join(directory, f"{host}.crt"), os.path.join(directory, f"{host}.key")
    with tempfile.TemporaryDirectory(prefix=".certs-", dir=directory) as work:
        made_cert, made_key = os.path.join(work, "host.crt"), os.path.join(work, "host.key")
        make_key(made_key)
        make_certificate(made_cert, made_key, ca["cert"], ca["key"], names=names, subject=f"/CN={host}", days=days,
                         not_before=not_before, not_after=not_after)
        os.replace(made_key, key)
        os.replace(made_cert, cert)
    entries = [entry.split(":", 1)[1] for entry in subject_alt_name(names).split(",")]
    return {"host": host, "cert": cert, "key": key, "names": entries, **describe(cert)}


class _Host(argparse.Action):
    """--host NAME: a certificate; the --san options after it are its own."""

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.hosts = [*(namespace.hosts or []), (values, [])]


class _San(argparse.Action):
    """--san NAME: a name of the last --host's certificate, of every certificate before the first --host."""

    def __call__(self, parser, namespace, values, option_string=None):
        if namespace.hosts:
            namespace.hosts[-1][1].append(values)
        else:
            namespace.shared = [*(namespace.shared or []), values]


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not 1 or more")
    return number


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                     epilog="Example: --dir tls --ca lab-ca --san 10.20.1.100 --host redis1 --san 10.30.1.131 "
                                            "--san redis1 --host redis2 --san 10.30.1.132 --san redis2")
    parser.add_argument("--dir", required=True, metavar="DIR", help="where the files are (made if missing)")
    parser.add_argument("--ca", required=True, metavar="NAME", help="the CA: NAME.pem and NAME.key in --dir, made unless both exist")
    parser.add_argument("--ca-days", type=_positive, default=CA_DAYS, metavar="N", help="days a CA made now is valid for")
    parser.add_argument("--host", action=_Host, dest="hosts", default=None, metavar="NAME",
                        help="a new key NAME.key and certificate NAME.crt (CN=NAME) signed by the CA; repeat for more")
    parser.add_argument("--san", action=_San, dest="shared", default=None, metavar="NAME",
                        help="an IP address or DNS name of the last --host's certificate (of every one before the first --host)")
    validity = parser.add_mutually_exclusive_group()
    validity.add_argument("--days", type=_positive, default=DAYS, metavar="N", help="days the certificates are valid for")
    validity.add_argument("--expired", action="store_true", help="certificates that expired long ago (valid on 1 January 2020 only)")
    validity.add_argument("--not-before", metavar="TIME", help="certificates valid from this time (YYYYMMDDHHMMSSZ, UTC), with --not-after")
    parser.add_argument("--not-after", metavar="TIME", help="certificates valid until this time (YYYYMMDDHHMMSSZ, UTC)")
    args = parser.parse_args(argv)
    if (args.not_before is None) != (args.not_after is None):
        parser.error("--not-before and --not-after go together")
    if args.shared and not args.hosts:
        parser.error("--san names what a --host's certificate is for: give a --host")
    not_before, not_after = EXPIRED if args.expired else (args.not_before, args.not_after)
    try:
        summary = issue(args.dir, args.ca, args.hosts or [], args.shared or [], ca_days=args.ca_days, days=args.days,
                        not_before=not_before, not_after=not_after)
    except (ValueError, OpensslError, OSError) as exc:
        raise SystemExit(f"certs.py: {exc}") from None
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
