"""gunicorn's logger for the hub: its access and error lines go through the same mask as the hub's.

A download address carries its bearer token in the path; an access line quoting it, or an error
quoting a request, must not hand the file (or an identity number) to whoever reads the logs.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from ysj_protocol.logmask import mask_text

_MASKED_ATOMS = ("U", "r", "q", "f")


class MaskedLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        values = super().atoms(resp, req, environ, request_time)
        for key in _MASKED_ATOMS:
            if isinstance(values.get(key), str):
                values[key] = mask_text(values[key])
        return values

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        super().error(mask_text(str(msg)), *args, **kwargs)
