# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's SMTP sink: accepts every message and stores it as a file.

Standard library only (smtpd is gone from Python 3.12). Enough SMTP for
HAProxy's mailers, keepalived's smtp_alert and Sentinel's notification
scripts: HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. Each message is
written to <spool>/<time>-<n>.eml with the envelope in X-Lab-* headers.
"""

from __future__ import annotations

import argparse
import itertools
import os
import pathlib
import socketserver
import time

_COUNTER = itertools.count(1)
MAX_MESSAGE = 1024 * 1024


class SmtpHandler(socketserver.StreamRequestHandler):
    """One SMTP session."""

    spool: pathlib.Path = pathlib.Path("/var/spool/lab-smtp")
    timeout = 60

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode("ascii"))
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 lab-smtp-sink ESMTP ready")
        sender, recipients = "", []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            command = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb in ("HELO", "EHLO"):
                self.reply("250 lab-smtp-sink")
            elif verb == "MAIL":
                sender, recipients = command.partition(":")[2].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.partition(":")[2].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self.reply("503 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.store(sender, recipients, self.read_data())
                self.reply("250 OK stored")
                sender, recipients = "", []
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def read_data(self) -> bytes:
        lines, size = [], 0
        while True:
            line = self.rfile.readline(65536)
            if not line or line in (b".\r\n", b".\n"):
                break
            if line.startswith(b".."):
                line = line[1:]
            size += len(line)
            if size <= MAX_MESSAGE:
                lines.append(line)
        return b"".join(lines)

    def store(self, sender: str, recipients: list[str], data: bytes) -> None:
        self.spool.mkdir(parents=True, exist_ok=True)
        name = f"{time.time():.6f}-{next(_COUNTER)}.eml"
        header = f"X-Lab-Peer: {self.client_address[0]}\r\nX-Lab-Mail-From: {sender}\r\nX-Lab-Rcpt-To: {', '.join(recipients)}\r\n"
        temporary = self.spool / f".{name}"
        temporary.write_bytes(header.encode("utf-8") + data)
        os.replace(temporary, self.spool / name)


class SmtpServer(socketserver.ThreadingTCPServer):
    """Threaded server that restarts cleanly on the same port."""

    allow_reuse_address = True
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--spool", default="/var/spool/lab-smtp")
    args = parser.parse_args()
    SmtpHandler.spool = pathlib.Path(args.spool)
    with SmtpServer((args.listen, args.port), SmtpHandler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
