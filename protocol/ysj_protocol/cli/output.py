"""What ``ysj`` prints: tables for people, JSON for scripts (``--json``), errors on stderr."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any, TextIO

from ..app import errors


def plain(value: Any) -> Any:
    """A JSON-ready copy: dataclasses as dicts, times as ``yyyy-MM-dd HH:mm:ss``, bytes as hex."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "raw"}
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def emit_json(value: Any, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    json.dump(plain(value), stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], stream: TextIO | None = None) -> None:
    """A plain table aligned for CJK text (full-width characters take two columns)."""
    stream = stream or sys.stdout
    cells = [[("" if cell is None else str(cell)) for cell in row] for row in rows]
    widths = [max([_width(h)] + [_width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    stream.write("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    stream.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        stream.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


def when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def error_payload(error: BaseException, exit_code: int) -> dict[str, Any]:
    payload: dict[str, Any] = {"exitCode": exit_code, "kind": type(error).__name__, "message": str(error)}
    if isinstance(error, errors.Refused):
        payload.update(
            {"status": error.status, "message": error.message, "meaning": error.meaning, "path": error.path}
        )
    return {"error": payload}


def report_error(error: BaseException, exit_code: int, *, as_json: bool) -> None:
    if as_json:
        emit_json(error_payload(error, exit_code))
    if isinstance(error, errors.Refused):
        sys.stderr.write(f"ysj: 调用被拒绝 {error.status}（{error.meaning}）：{error.message}\n")
    else:
        sys.stderr.write(f"ysj: {error}\n")


class ProgressBar:
    """A plain progress bar on stderr for long transfers (shown only on a terminal, over 512 KiB)."""

    THRESHOLD = 512 * 1024

    def __init__(self, label: str, *, force: bool = False, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.shown = False

    def __call__(self, received: int, total: int | None) -> None:
        if not self.enabled or (total is not None and total < self.THRESHOLD and not self.shown):
            return
        self.shown = True
        if total:
            filled = int(30 * received / total)
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {received * 100 // total:3d}% {received // 1024} KiB"
            )
        else:
            self.stream.write(f"\r{self.label} {received // 1024} KiB")
        self.stream.flush()

    def done(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
