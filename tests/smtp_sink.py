"""A real SMTP server (aiosmtpd) for the newsletter tests, the crash test and
the bench: it keeps each message's Message-ID and recipient, can refuse
some recipients with a 550, and can stop answering to test time-outs.

Run alone (``python -m tests.smtp_sink PORT FILE``) it appends one line per
message to FILE — ``message-id<TAB>recipient`` — so another process (a test
that kills workers) can count what arrived even across its own restarts.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time

from aiosmtpd.controller import Controller

# The Message-ID header, read without parsing the message: the sink shares
# the machine with what it measures, and should cost it little.
_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S[^\r\n]*)", re.IGNORECASE | re.MULTILINE)
# aiosmtpd logs every SMTP command at INFO: a line per message per command.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Handler:
    def __init__(self, refuse=(), stall_seconds: float = 0, out=None):
        self.refuse = {address.lower() for address in refuse}
        self.stall_seconds = stall_seconds
        self.received: list[tuple[str, str, bytes]] = []
        self.lock = threading.Lock()
        self.out = out

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.stall_seconds:
            import asyncio

            await asyncio.sleep(self.stall_seconds)
        headers = envelope.content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        found = _MESSAGE_ID.search(headers)
        message_id = found.group(1).decode("ascii", "replace").strip() if found else ""
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received.append((message_id, recipient, envelope.content))
                if self.out is not None:
                    self.out.write(f"{message_id}\t{recipient}\n")
            if self.out is not None:
                self.out.flush()
        return "250 Message accepted for delivery"


class Sink:
    """``with Sink() as sink:`` a server on 127.0.0.1:``sink.port``."""

    def __init__(self, port: int = 0, **handler_options):
        self.handler = Handler(**handler_options)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port or _free())
        self.port = self.controller.port

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def received(self):
        with self.handler.lock:
            return list(self.handler.received)


def _free() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    port, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "a", buffering=1) as out, Sink(port, out=out):
        print(f"listening on {port}", flush=True)
        while True:
            time.sleep(3600)
