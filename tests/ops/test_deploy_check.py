"""``manage.py check --deploy`` passes with no warning under the production settings of the README."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The production variables of the README's guide (the database and broker do not matter to the check).
PRODUCTION = {
    "YSJ_TLS": "1",
    "BEHIND_TLS_PROXY": "1",
    "ALLOWED_HOSTS": "ysj.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://ysj.example.gov.cn",
}


def _check(extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("YSJ_", "SECURE_", "DJANGO_", "DEBUG", "SECRET_KEY", "SESSION_", "CSRF_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ysj_portal.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "YSJ_DATA_KEY": secrets.token_hex(16),
            **extra,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_with_no_warning() -> None:
    result = _check(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_without_tls_the_check_warns() -> None:
    result = _check({"ALLOWED_HOSTS": "ysj.example.gov.cn"})
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout
