"""Documents held to the code: the status-code page is the generated table; the quick start and
the command line's exit-code table say what the code does."""

from __future__ import annotations

from pathlib import Path

from ysj_protocol import status as st
from ysj_protocol.app import CALLS
from ysj_protocol.cli import exitcodes
from ysj_protocol.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
STATUS_DOC = ROOT / "docs" / "status-codes.md"


def test_the_status_codes_page_is_the_generated_table() -> None:
    text = STATUS_DOC.read_text(encoding="utf-8")
    table = text[text.index("| head.status |") :]
    assert table.strip() == st.markdown_table().strip(), "regenerate: ysj_protocol.status.markdown_table()"


def test_the_exit_codes_are_in_the_help_and_distinct() -> None:
    codes = [code for code, _, _ in exitcodes.TABLE]
    assert len(set(codes)) == len(codes) == 8
    epilog = build_parser().epilog or ""
    for code, name, meaning in exitcodes.TABLE:
        assert f"{code}  {name}" in epilog and meaning in epilog


def test_every_call_has_a_client_method() -> None:
    from ysj_protocol.app import Client

    for name in CALLS:
        assert callable(getattr(Client, name, None)), name
