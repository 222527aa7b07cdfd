# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's SMTP sink stores what a real SMTP client sends."""

from __future__ import annotations

import importlib.util
import pathlib
import smtplib
import threading
from email.message import EmailMessage

SINK = pathlib.Path(__file__).resolve().parents[2] / "lab" / "smtp_sink.py"


def _load_sink():
    spec = importlib.util.spec_from_file_location("smtp_sink", SINK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sink_stores_each_message_with_its_envelope(tmp_path: pathlib.Path) -> None:
    sink = _load_sink()
    sink.SmtpHandler.spool = tmp_path
    server = sink.SmtpServer(("127.0.0.1", 0), sink.SmtpHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        message = EmailMessage()
        message["From"] = "haproxy@redis1"
        message["To"] = "ops@lab"
        message["Subject"] = "[HAProxy Alert] Server redis/redis1 is DOWN"
        message.set_content("line one\n.leading dot\n")
        with smtplib.SMTP("127.0.0.1", server.server_address[1], timeout=5) as client:
            client.send_message(message)
            client.send_message(message, to_addrs=["second@lab"])
    finally:
        server.shutdown()
        server.server_close()
    stored = sorted(tmp_path.glob("*.eml"))
    assert len(stored) == 2
    first = stored[0].read_text(encoding="utf-8")
    assert "X-Lab-Mail-From: <haproxy@redis1>" in first
    assert "X-Lab-Rcpt-To: <ops@lab>" in first
    assert "Subject: [HAProxy Alert] Server redis/redis1 is DOWN" in first
    assert "\n.leading dot" in first
    assert "X-Lab-Rcpt-To: <second@lab>" in stored[1].read_text(encoding="utf-8")
