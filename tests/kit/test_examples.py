"""The examples for developers of other languages, run as their readers run them.

``docs/examples/javascript/first-search.mjs`` (sm-crypto and fetch only) registers, obtains a
holder token and searches at the live hub; skipped only where Node.js is missing.
``docs/examples/java/FirstSearch.java`` (Bouncy Castle) is compiled and run when Debian's
``libbcprov-java`` is installed (``/usr/share/java/bcprov*.jar``), else skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from regional_node.demo import DEMO_PERSON, VALID, certificates_of
from scenarios.demo import LISTS
from trust.keys import hub_public_key

from .conftest import PUBLISHED, demo_app
from .test_envelope_vector import NODE, ROOT, run_example, sm_crypto_modules  # noqa: F401 - fixture

EXAMPLES = ROOT / "docs" / "examples"
BCPROV = sorted(Path("/usr/share/java").glob("bcprov*.jar"))


def example_env(hub_url: str) -> dict[str, str]:
    app = demo_app()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("YSJ_")},
        "YSJ_BASE_URL": hub_url,
        "YSJ_HUB_PUBLIC_KEY": hub_public_key().hex(),
        "YSJ_APP_ID": app.app_id,
        "YSJ_APP_SECRET": app.app_secret,
        "YSJ_CORP_NAME": app.corp_name,
        "YSJ_CORP_CODE": app.corp_code,
        "YSJ_KEY_FILE": str(app.key_path),
        "YSJ_HOLDER_ID_NO": DEMO_PERSON.code,
        "YSJ_HOLDER_NAME": DEMO_PERSON.name,
        "YSJ_ITEM_CODE": PUBLISHED[0],
    }


def expected_numbers() -> set[str]:
    names = next(set(names) for code, _, _, names, _, _ in LISTS if code == PUBLISHED[0])
    return {c.number for c in certificates_of(DEMO_PERSON) if c.status == VALID and c.type_name in names}


@pytest.mark.django_db(transaction=True)
def test_the_javascript_example_searches_at_the_live_hub(
    sm_crypto_modules: Path,  # noqa: F811
    demo_hub: Any,
    tmp_path: Path,
) -> None:
    env = example_env(demo_hub.url)
    done = run_example(EXAMPLES / "javascript" / "first-search.mjs", sm_crypto_modules, tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["accessTokenExpiresAt"] and result["holderTokenExpiresAt"]
    found = result["search"]
    assert {item["certificateNumber"] for item in found["dataList"]} == expected_numbers()
    refused = run_example(
        EXAMPLES / "javascript" / "first-search.mjs",
        sm_crypto_modules,
        tmp_path,
        env={**env, "YSJ_APP_SECRET": "wrong"},
    )
    assert refused.returncode == 1 and "2034" in refused.stderr


@pytest.mark.skipif(
    not BCPROV, reason="Bouncy Castle (Debian libbcprov-java, /usr/share/java/bcprov*.jar) is not installed"
)
@pytest.mark.skipif(shutil.which("javac") is None, reason="javac (a JDK) is not on PATH")
@pytest.mark.django_db(transaction=True)
def test_the_java_example_searches_at_the_live_hub(demo_hub: Any, tmp_path: Path) -> None:
    classpath = os.pathsep.join(str(jar) for jar in BCPROV)
    source = EXAMPLES / "java" / "FirstSearch.java"
    compiled = subprocess.run(
        ["javac", "-cp", classpath, "-d", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr
    done = subprocess.run(
        ["java", "-cp", os.pathsep.join([classpath, str(tmp_path)]), "FirstSearch"],
        env=example_env(demo_hub.url),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    numbers = {line.split("\t")[1] for line in done.stdout.splitlines() if line.startswith("certificate\t")}
    assert numbers == expected_numbers()
