"""What ``load_demo`` and the demo launcher print for an application developer is real and runs.

The printed appId, appSecret, unit, key file and public key are those the hub registered, and the
printed first call (12.2.1, then 12.1.4 with the token) runs as pasted against a live hub.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command

from trust import services
from trust.models import AccessToken, TrustedApplication
from ysj_portal.demo import REPO_ROOT, application_lines, shown_path, summary
from ysj_protocol.crypto import sm2
from ysj_protocol.keyfiles import read_private_key_file

from ..regional import free_port
from .conftest import FAST_HASHERS

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_APPS = ["app-sh-counter", "app-js-counter", "app-zj-counter", "app-ah-counter"]
PUBLISHED_LISTS = {"YSJ-QYKB-001", "YSJ-BDC-002"}
FIELD = re.compile(r"^\s+(appId|appSecret|corpName|corpCode|私钥文件|公钥)\s+(\S.*)$")


@pytest.fixture
def printed(live_server: Any, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``load_demo``'s output, its keys under a throwaway var/, the hub live at YSJ_PUBLIC_BASE_URL."""
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = FAST_HASHERS  # the demo hashes eight passwords and secrets per load
    settings.YSJ_PUBLIC_BASE_URL = live_server.url
    monkeypatch.setenv("YSJ_VAR_DIR", str(tmp_path))
    # No node listens there: the publications wait in the outbox, as before ``make demo`` starts the nodes.
    monkeypatch.setenv("YSJ_DEMO_NODE_PORT", str(free_port()))
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def printed_applications(text: str) -> list[dict[str, str]]:
    apps: list[dict[str, str]] = []
    for line in text.splitlines():
        match = FIELD.match(line)
        if not match:
            continue
        if match[1] == "appId":
            apps.append({})
        apps[-1][match[1]] = match[2].strip()
    return apps


def first_call_commands(text: str) -> str:
    """The printed ``ysj`` first call: the ``YSJ_*`` exports and the commands, as one shell script."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("export YSJ_BASE_URL="))
    end = start
    while lines[end + 1].startswith(("export YSJ_", shown_path(Path(sys.executable).parent / "ysj") + " ")):
        end += 1
    return "\n".join(lines[start : end + 1]) + "\n"


def first_call_script(text: str) -> str:
    """The printed Python snippet (the second option), a here-document."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith(" - <<'EOF'"))
    end = lines.index("EOF", start)
    return "\n".join(lines[start : end + 1]) + "\n"


def run_pasted(script: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``script`` in bash from the project folder, as a developer's new terminal: no YSJ_* of ours, its own home."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("YSJ_")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_CONFIG_HOME=str(home / ".config"))
    return subprocess.run(  # noqa: S603 - the commands the demo prints, run as a developer would
        ["bash", "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_printed_credentials_are_the_registered_ones(printed: str, tmp_path: Path) -> None:
    apps = printed_applications(printed)
    assert [a["appId"] for a in apps] == DEMO_APPS
    for app in apps:
        row = TrustedApplication.objects.get(app_id=app["appId"])
        assert check_password(app["appSecret"], row.secret_hash), app["appId"]
        assert (app["corpName"], app["corpCode"]) == (row.corp_name, row.corp_code)
        key_file = Path(app["私钥文件"])
        assert key_file == tmp_path / "keys" / "apps" / f"{row.app_id}.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        private = sm2.PrivateKey.from_hex(read_private_key_file(key_file))
        assert app["公钥"] == row.public_key == private.public_key.hex()
        secret_file = key_file.with_suffix(".secret")
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        assert secret_file.read_text(encoding="utf-8").strip() == app["appSecret"]


def test_a_loosened_secret_file_is_tightened_when_its_secret_is_replaced(
    printed: str, tmp_path: Path
) -> None:
    secret_file = tmp_path / "keys" / "apps" / "app-js-counter.secret"
    secret_file.write_text("stale\n", encoding="utf-8")
    secret_file.chmod(0o644)
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    app = next(a for a in printed_applications(out.getvalue()) if a["appId"] == "app-js-counter")
    assert app["appSecret"] != "stale"
    assert check_password(
        app["appSecret"], TrustedApplication.objects.get(app_id="app-js-counter").secret_hash
    )
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_the_printed_first_call_runs_as_pasted(printed: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    commands = first_call_commands(printed)
    assert commands.count("export YSJ_") == 7 and commands.rstrip().endswith("ysj scenarios"), commands
    result = run_pasted(commands, home)
    assert result.returncode == 0, result.stderr
    assert "可信应用注册成功" in result.stdout
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("YSJ-")}
    assert listed == PUBLISHED_LISTS, result.stdout
    # ``ysj scenarios`` used the token ``ysj register`` saved (in the terminal's own home).
    assert AccessToken.objects.filter(application__app_id=DEMO_APPS[0]).count() == 1
    assert (home / ".cache" / "ysj" / "tokens.json").is_file()


def test_the_printed_python_client_runs_as_pasted_after_the_exports(printed: str, tmp_path: Path) -> None:
    script = first_call_script(printed)
    assert "from ysj_protocol.app import" in script and "EnvelopeClient" not in script
    exports = [line for line in first_call_commands(printed).splitlines() if line.startswith("export YSJ_")]
    result = run_pasted("\n".join([*exports, script]), tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("令牌 ") and "过期时间" in lines[0], result.stdout
    assert {line.split()[0] for line in lines[1:]} == PUBLISHED_LISTS, result.stdout
    assert AccessToken.objects.filter(application__app_id=DEMO_APPS[0]).count() == 1


def test_the_launcher_prints_the_same_for_the_address_it_serves(printed: str) -> None:
    shown = summary("0.0.0.0", 8123, 8101)  # noqa: S104 - a listen address
    for app in printed_applications(printed):
        assert f"appSecret  {app['appSecret']}" in shown
        assert f"公钥       {app['公钥']}" in shown
    commands = first_call_commands(shown)
    assert "export YSJ_BASE_URL=http://127.0.0.1:8123\n" in commands
    assert f"export YSJ_APP_SECRET={shlex.quote(printed_applications(printed)[0]['appSecret'])}\n" in commands


def test_paths_inside_the_project_are_shown_relative_to_it(tmp_path: Path) -> None:
    assert (
        shown_path(REPO_ROOT / "var" / "keys" / "apps" / "app-sh-counter.key")
        == "var/keys/apps/app-sh-counter.key"
    )
    assert shown_path(tmp_path / "x.key") == str(tmp_path / "x.key")


def test_a_secret_rotated_since_is_not_shown_and_the_example_uses_a_current_one(printed: str) -> None:
    services.allocate_secret(TrustedApplication.objects.get(app_id="app-sh-counter"), rotating=True)
    shown = "\n".join(application_lines("http://127.0.0.1:8000"))
    apps = printed_applications(shown)
    assert apps[0]["appSecret"].startswith("（与平台登记不符"), apps[0]
    assert apps[1]["appSecret"] == printed_applications(printed)[1]["appSecret"]
    assert "export YSJ_APP_ID=app-js-counter\n" in first_call_commands(shown)
