"""The demo's mail: each message in a file of its own, announced in the terminal.

``make run`` sends nothing anywhere. Every message is written to
``EMAIL_FILE_PATH`` (``var/mail/`` by default) as ``<time>-<address>.eml``,
which any mail program opens, so an editor can send an issue and read what
a subscriber and a free reader each got. Messages to one reader (a sign-in
code, a confirmation link) are also printed in the terminal, as before;
a newsletter is announced in one line.
"""

from __future__ import annotations

import re
import sys
import threading
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

_numbering = threading.Lock()
_last = [""]


def _name(address: str) -> str:
    """The file name for a message now, to ``address``: sortable by time, unique."""
    with _numbering:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        if stamp <= _last[0]:
            stamp = _last[0] + "1"
        _last[0] = stamp
    safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", address)[:120] or "unknown"
    return f"{stamp}-{safe}.eml"


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args, file_path=None, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)
        self.stream = stream or sys.stdout

    def send_messages(self, email_messages) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            path = self.directory / _name(recipients[0])
            path.write_bytes(message.message().as_bytes(linesep="\n"))
            sent += 1
            if "List-Id" in (message.extra_headers or {}):
                self.stream.write(f"Newsletter to {recipients[0]} written to {path}\n")
            else:
                self.stream.write(
                    f"Mail to {', '.join(recipients)} ({path}):\n"
                    f"Subject: {message.subject}\n\n{message.body}\n{'-' * 72}\n"
                )
            self.stream.flush()
        return sent
