"""``docs/quickstart.md`` followed to the letter: its ``bash`` blocks run in order in one shell,
then its Python block, against the live hub and the demo's nodes, with the values ``make demo``
prints in the environment (as the quick start tells the reader to set them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from regional_node.demo import DEMO_PERSON, VALID, certificates_of
from scenarios.demo import LISTS
from trust.keys import hub_public_key

from .conftest import demo_app

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "docs" / "quickstart.md"
LIST = "YSJ-QYKB-001"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", QUICKSTART.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.django_db(transaction=True)
def test_the_quickstart_works_as_written(demo_hub: Any, tmp_path: Path) -> None:
    app = demo_app()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("YSJ_")},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "YSJ_BASE_URL": demo_hub.url,
        "YSJ_HUB_PUBLIC_KEY": hub_public_key().hex(),
        "YSJ_APP_ID": app.app_id,
        "YSJ_APP_SECRET": app.app_secret,
        "YSJ_CORP_NAME": app.corp_name,
        "YSJ_CORP_CODE": app.corp_code,
        "YSJ_KEY_FILE": str(app.key_path),
    }
    assert LIST in [code for code, *_ in LISTS]
    script = "set -euo pipefail\n" + "\n".join(blocks("bash"))
    shell = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=False,
    )
    assert shell.returncode == 0, f"{shell.stdout}\n{shell.stderr}"
    names = next(set(names) for code, _, _, names, _, _ in LISTS if code == LIST)
    numbers = {c.number for c in certificates_of(DEMO_PERSON) if c.status == VALID and c.type_name in names}
    assert numbers and all(number in shell.stdout for number in numbers), shell.stdout
    assert "已加水印" in shell.stdout and (tmp_path / "ysj-demo" / "license.pdf").is_file()
    assert "12.1.10 核验：通过" in shell.stdout

    (python_block,) = blocks("python")
    python = subprocess.run(
        [sys.executable, "-c", python_block],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert python.returncode == 0, python.stderr
    assert all(number in python.stdout for number in numbers)
    assert "True valid" in python.stdout and "4001" in python.stdout
