"""A logging filter that masks identity and mobile numbers in every log line (defence in depth).

Neither the hub nor a node logs a plain number itself; this filter catches any other code path
(an exception message, a third-party library) before the line reaches a handler.
"""

from __future__ import annotations

import logging
import re

from ysj_protocol.identifiers import mask_phone, mask_resident_id

# A number stands alone: a digit run inside a longer token (a request ID, a hash, an order
# number in hex) is part of that token, and masking it would keep log lines from being matched
# to the call records. Chinese text around a number does not join it to a token.
_ALONE_BEFORE = r"(?<![0-9A-Za-z])"
_ALONE_AFTER = r"(?![0-9A-Za-z])"
_RESIDENT_ID = re.compile(_ALONE_BEFORE + r"\d{17}[\dXx]" + _ALONE_AFTER)
_MOBILE = re.compile(_ALONE_BEFORE + r"1[3-9]\d{9}" + _ALONE_AFTER)
# A download address carries its bearer token in the path (/api/v1/files/<token>): a line quoting
# the path (a 404, an access log) must not hand the file to whoever reads the logs.
_FILE_TOKEN = re.compile(r"(/files/)[^\s/\"'?#]+")
REDACTED = "[已隐去]"


def mask_text(text: str) -> str:
    text = _RESIDENT_ID.sub(lambda m: mask_resident_id(m.group(0)), text)
    text = _FILE_TOKEN.sub(lambda m: m.group(1) + REDACTED, text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


class MaskIdentifiersFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's business
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        # Django's request log lines carry the request itself (``extra``); its text names the path.
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            record.request = mask_text(repr(request))
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
