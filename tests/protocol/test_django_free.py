"""The protocol distribution imports without Django: application systems install it alone."""

import subprocess
import sys
import textwrap
from pathlib import Path

import ysj_protocol

PACKAGE_ROOT = Path(ysj_protocol.__file__).parent


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        relative = path.relative_to(PACKAGE_ROOT.parent).with_suffix("")
        parts = list(relative.parts)
        if "contrib" in parts:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def test_every_module_outside_contrib_imports_with_django_blocked():
    modules = _modules()
    assert "ysj_protocol.client" in modules and "ysj_protocol.envelope" in modules
    script = textwrap.dedent(
        f"""
        import importlib, sys
        for blocked in ("django", "rest_framework", "celery", "psycopg"):
            sys.modules[blocked] = None  # any import of them raises ImportError
        for name in {modules!r}:
            importlib.import_module(name)
        print("ok", len({modules!r}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")


def test_the_distribution_declares_no_django_dependency():
    pyproject = (PACKAGE_ROOT.parent / "pyproject.toml").read_text(encoding="utf-8")
    core = pyproject.split("[project.optional-dependencies]")[0]
    assert "Django" not in core.split("dependencies = [")[1]
    assert "djangorestframework" not in core
