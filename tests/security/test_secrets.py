"""The hub and the nodes refuse to start on public secrets; the demo makes its own, once."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ysj_portal import secrets_env

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAMES = ("SECRET_KEY", "YSJ_DATA_KEY", "NODE_SECRET_KEY", "DEBUG", "NODE_DEBUG", "DJANGO_SETTINGS_MODULE")


def _run(args: list[str], settings_module: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in SECRET_NAMES and not k.endswith("DATABASE_URL")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": settings_module, "YSJ_VAR_DIR": str(tmp_path),
             "NODE_DATA_DIR": str(tmp_path / "node"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


SETUP = ["-c", "import django; django.setup()"]
GOOD_DATA_KEY = "00112233445566778899aabbccddeeff"


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY"),
        ({"YSJ_DATA_KEY": GOOD_DATA_KEY}, "SECRET_KEY"),
        ({"SECRET_KEY": "a-real-secret-for-this-test-only-0123456789"}, "YSJ_DATA_KEY"),
    ],
)
def test_hub_does_not_start_without_its_secrets(tmp_path, env, missing):
    result = _run(SETUP, "ysj_portal.settings", tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr or "MissingSecret" in result.stderr
    assert f"未设置环境变量 {missing}" in result.stderr


def test_hub_refuses_a_malformed_data_key(tmp_path):
    result = _run(SETUP, "ysj_portal.settings", tmp_path, SECRET_KEY="x" * 50, YSJ_DATA_KEY="not-hex")
    assert result.returncode != 0
    assert "YSJ_DATA_KEY 格式不正确" in result.stderr


def test_hub_starts_with_both_secrets_and_check_passes(tmp_path):
    result = _run(
        ["manage.py", "check"], "ysj_portal.settings", tmp_path, SECRET_KEY="s" * 50, YSJ_DATA_KEY=GOOD_DATA_KEY
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_node_does_not_start_without_its_secret(tmp_path):
    result = _run(SETUP, "regional_node.settings", tmp_path, NODE_REGION="SH")
    assert result.returncode != 0
    assert "未设置环境变量 NODE_SECRET_KEY" in result.stderr
    started = _run(SETUP, "regional_node.settings", tmp_path, NODE_REGION="SH", NODE_SECRET_KEY="n" * 50)
    assert started.returncode == 0, started.stderr


def test_development_key_fails_check_deploy(tmp_path):
    result = _run(["manage.py", "check", "--deploy"], "ysj_portal.settings", tmp_path, DEBUG="1")
    assert result.returncode != 0
    assert "ysj_portal.E001" in result.stderr
    assert "ysj_portal.E002" in result.stderr


def test_check_deploy_has_no_secret_error_with_real_secrets(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy"], "ysj_portal.settings", tmp_path,
        SECRET_KEY="k" * 60, YSJ_DATA_KEY=GOOD_DATA_KEY,
    )
    assert "ysj_portal.E00" not in result.stdout + result.stderr


def test_data_key_is_not_derived_with_debug_off(settings):
    from django.core.exceptions import ImproperlyConfigured

    from trust import protect

    settings.DEBUG = False
    settings.YSJ_DATA_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="YSJ_DATA_KEY"):
        protect.data_key()


def test_demo_secrets_are_created_owner_only_and_reused(tmp_path):
    path = tmp_path / "var" / "secrets.env"
    first, created = secrets_env.ensure_file(path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(first) == {"SECRET_KEY", "YSJ_DATA_KEY", "NODE_SECRET_KEY"}
    assert len(bytes.fromhex(first["YSJ_DATA_KEY"])) == 16
    second, created_again = secrets_env.ensure_file(path)
    assert not created_again
    assert second == first
    assert [p.name for p in path.parent.iterdir()] == ["secrets.env"]


def test_demo_secrets_file_is_tightened_and_environment_wins(tmp_path):
    path = tmp_path / "secrets.env"
    values, _ = secrets_env.ensure_file(path)
    os.chmod(path, 0o644)
    secrets_env.ensure_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    environ = {"SECRET_KEY": "from-the-environment"}
    taken = secrets_env.apply(values, environ)
    assert environ["SECRET_KEY"] == "from-the-environment"
    assert sorted(taken) == ["NODE_SECRET_KEY", "YSJ_DATA_KEY"]


def test_demo_wrapper_says_so_once_and_runs_the_command_with_the_secrets(tmp_path):
    path = tmp_path / "secrets.env"
    show = "import os; print(os.environ['SECRET_KEY'] + ' ' + os.environ['YSJ_DATA_KEY'])"
    command = ["-m", "ysj_portal.secrets_env", str(path), "--", sys.executable, "-c", show]
    first = _run(command, "ysj_portal.settings", tmp_path)
    second = _run(command, "ysj_portal.settings", tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    first_lines, second_lines = first.stdout.splitlines(), second.stdout.splitlines()
    assert len(first_lines) == 2 and "已生成演示用密钥" in first_lines[0]
    assert len(second_lines) == 1
    assert first_lines[1] == second_lines[0]
    values, _ = secrets_env.ensure_file(path)
    assert second_lines[0] == f"{values['SECRET_KEY']} {values['YSJ_DATA_KEY']}"


def test_demo_wrapped_hub_passes_its_start(tmp_path):
    path = tmp_path / "secrets.env"
    result = _run(["-m", "ysj_portal.secrets_env", str(path), "--", sys.executable, *SETUP], "ysj_portal.settings", tmp_path)
    assert result.returncode == 0, result.stderr
