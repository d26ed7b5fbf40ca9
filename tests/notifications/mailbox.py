"""A mail backend that really refuses the first N messages, and the mail it wrote to disk.

``FlakyFileBackend`` is Django's file-based backend (every accepted message is written to
``EMAIL_FILE_PATH``, where a worker in another thread or process can write too) that first raises
the error ``EMAIL_FLAKY_ERROR`` names for ``EMAIL_FLAKY_FAILURES`` messages: a fault injected on
purpose, in a real backend selected by ``EMAIL_BACKEND``, not a mock of the sender.
"""

from __future__ import annotations

import os
import smtplib
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend

BACKEND = "tests.notifications.mailbox.FlakyFileBackend"

ERRORS = {
    "disconnected": lambda: smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    "refused": lambda: ConnectionRefusedError(111, "Connection refused"),
    "timeout": lambda: TimeoutError("timed out"),
    "busy": lambda: smtplib.SMTPDataError(451, b"4.3.0 Mail server temporarily busy"),
    "rejected": lambda: smtplib.SMTPRecipientsRefused({"x@example.gov.cn": (550, b"5.1.1 No such user")}),
}

_lock = threading.Lock()
_refused = 0


def reset() -> None:
    global _refused
    with _lock:
        _refused = 0


def refused() -> int:
    """How many messages the backend refused since ``reset``."""
    return _refused


class FlakyFileBackend(EmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        # A worker process started by a test has the hub's settings, with no EMAIL_FILE_PATH: the environment's.
        file_path = file_path or getattr(settings, "EMAIL_FILE_PATH", None) or os.environ["EMAIL_FILE_PATH"]
        super().__init__(*args, file_path=file_path, **kwargs)

    def send_messages(self, email_messages):  # noqa: ANN001, ANN201 - Django's signature
        global _refused
        with _lock:
            failing = _refused < getattr(settings, "EMAIL_FLAKY_FAILURES", 0)
            if failing:
                _refused += 1
        if failing:
            raise ERRORS[getattr(settings, "EMAIL_FLAKY_ERROR", "disconnected")]()
        return super().send_messages(email_messages)


def use_flaky_backend(settings, directory: Path, *, failures: int = 0, error: str = "disconnected") -> None:  # noqa: ANN001
    reset()
    settings.EMAIL_BACKEND = BACKEND
    settings.EMAIL_FILE_PATH = str(directory)
    settings.EMAIL_FLAKY_FAILURES = failures
    settings.EMAIL_FLAKY_ERROR = error


def delivered(directory: Path) -> list[EmailMessage]:
    """Every message the file-based backend wrote into ``directory``, oldest file first."""
    messages = []
    for path in sorted(Path(directory).glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(message_from_bytes(chunk, policy=policy.default))
    return messages
