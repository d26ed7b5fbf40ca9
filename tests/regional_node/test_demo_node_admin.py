"""The demo's node superuser: created in a real node database by the launcher's step, and printed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from regional_node.demo import NODE_ADMIN, NODE_ADMIN_PASSWORD
from ysj_portal import demo as launcher

from ..regional import REPO_ROOT, make_node

CHECK = (
    "from django.contrib.auth import authenticate; "
    f"user = authenticate(username='{NODE_ADMIN}', password='{NODE_ADMIN_PASSWORD}'); "
    "print('superuser' if user is not None and user.is_superuser and user.is_staff else 'missing')"
)


def node_shell(env: dict[str, str], code: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own program
        [sys.executable, "-m", "regional_node", "shell", "-c", code],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_the_launcher_creates_a_node_superuser_that_can_log_in(node_template, tmp_path):
    node = make_node("JS", node_template, tmp_path / "js")
    env = node.env()
    assert node_shell(env, CHECK) == "missing"
    child = launcher.Child(name="地区节点 JS", args=[], env=env)
    launcher.create_node_superusers([child])
    launcher.create_node_superusers([child])  # a second start finds it and keeps it usable
    assert node_shell(env, CHECK) == "superuser"


@pytest.mark.django_db
def test_the_printout_names_the_node_administrator():
    lines = "\n".join(launcher.account_lines("http://127.0.0.1:8000"))
    assert f"节点管理员 {NODE_ADMIN}" in lines and NODE_ADMIN_PASSWORD in lines
