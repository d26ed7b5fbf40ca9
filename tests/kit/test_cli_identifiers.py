"""Identifiers beginning with ``-`` on the ``ysj`` command line, and the hub never issuing one."""

from __future__ import annotations

import pytest

from sharing import certificate_ids
from ysj_protocol.cli.main import build_parser, shield_identifiers

DASHED = "-VgG7lngUqxLwFT27ptu8PSBjd8ZYvKH"


@pytest.mark.parametrize(
    ("argv", "attribute"),
    [
        (["fetch", DASHED, "--item-code", "X", "--json"], "id"),
        (["--json", "fetch", "--item-code", "X", DASHED], "id"),
        (["fetch", "--item-code", "X", "--", DASHED], "id"),
        (["info", "--id", DASHED, "--item-code", "X"], "id"),
        (["files", "--id", "-" + DASHED, "--item-code", "X"], "id"),
        (["info", f"--id={DASHED}", "--item-code", "X"], "id"),
    ],
)
def test_a_dashed_identifier_is_read_as_the_value(argv: list[str], attribute: str) -> None:
    parser = build_parser()
    args = parser.parse_args(shield_identifiers(parser, argv))
    assert getattr(args, attribute) in (DASHED, "-" + DASHED)
    assert args.item_code == "X"


def test_known_options_and_plain_values_are_left_alone() -> None:
    parser = build_parser()
    argv = ["search", "--item-code", "X", "--id-no", "310101199001011234", "--name", "张三", "--json"]
    assert shield_identifiers(parser, argv) == argv
    assert shield_identifiers(parser, ["--version-unknown"]) == ["--version-unknown"]
    # A value that is a known option stays an option (argparse then reports the missing value).
    assert shield_identifiers(parser, ["info", "--id", "--json"]) == ["info", "--id", "--json"]


def test_an_unknown_short_option_is_still_refused() -> None:
    parser = build_parser()
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(shield_identifiers(parser, ["fetch", "-x", "--item-code", "X"]))
    assert exc.value.code == 2


def test_the_hub_redraws_a_value_that_begins_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([DASHED, "-" + DASHED[1:], "AgG7lngUqxLwFT27ptu8PSBjd8ZYvKH"])
    monkeypatch.setattr(certificate_ids.secrets, "token_urlsafe", lambda n: next(draws))
    assert certificate_ids._new_value() == "AgG7lngUqxLwFT27ptu8PSBjd8ZYvKH"


def test_issued_values_never_begin_with_a_dash() -> None:
    values = [certificate_ids._new_value() for _ in range(4096)]
    assert not any(v.startswith("-") for v in values)
    assert len(set(values)) == len(values) and all(len(v) == 32 for v in values)
