"""The envelope's worked example (``docs/examples/envelope-vector.json``, ``docs/envelope-example.md``)
checked by three SM2 implementations: the project's own, gmssl (Python) and sm-crypto (Node.js).

The first vector is GB/T 32918.5-2017's own encryption example (key, k, message), the second the
business parameters of a 12.1.4 call; the ciphertexts are C1C3C2 with and without ``04``, and DER.
sm-crypto runs only where Node.js is installed (skipped with the reason otherwise).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from gmssl import sm2 as gmssl_sm2

from ysj_protocol import envelope
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.sm2._cipher import _encrypt_with_k

ROOT = Path(__file__).resolve().parents[2]
VECTOR_FILE = ROOT / "docs" / "examples" / "envelope-vector.json"
VECTOR = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
DOC = ROOT / "docs" / "envelope-example.md"
JS_DIR = ROOT / "tests" / "interop" / "js"
NODE = shutil.which("node")
KEY = sm2.PrivateKey.from_hex(VECTOR["privateKey"])
K = int(VECTOR["k"], 16)


@pytest.mark.parametrize("item", VECTOR["vectors"], ids=lambda v: v["name"])
def test_the_projects_sm2_makes_and_opens_the_example(item: dict) -> None:
    assert KEY.public_key.hex() == VECTOR["publicKey"]
    made = _encrypt_with_k(KEY.public_key, item["plaintext"].encode("utf-8"), K)
    assert made is not None and made.hex().upper() == item["c1c3c2"]
    assert sm2.encode_der_ciphertext(made).hex().upper() == item["der"]
    for form, der in (("c1c3c2", False), ("c1c3c2Without04", False), ("der", True)):
        for text in (item[form], item[form].lower()):
            assert sm2.decrypt_any(KEY, bytes.fromhex(text)) == (item["plaintext"].encode("utf-8"), der)


def test_the_envelope_opens_as_a_provider_opens_it() -> None:
    opened = envelope.open_request(VECTOR["envelope"], KEY)
    assert opened.account_id == "app-sh-counter"
    assert opened.params == json.loads(VECTOR["vectors"][1]["plaintext"])


@pytest.mark.parametrize("item", VECTOR["vectors"], ids=lambda v: v["name"])
def test_gmssl_makes_and_opens_the_example(item: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    crypt = gmssl_sm2.CryptSM2(
        private_key=VECTOR["privateKey"].lower(), public_key=VECTOR["publicKey"][2:].lower(), mode=1
    )
    opened = crypt.decrypt(bytes.fromhex(item["c1c3c2Without04"]))
    assert opened == item["plaintext"].encode("utf-8")
    monkeypatch.setattr(gmssl_sm2.func, "random_hex", lambda _length: VECTOR["k"].lower())  # the example's k
    assert crypt.encrypt(item["plaintext"].encode("utf-8")).hex().upper() == item["c1c3c2Without04"]


@pytest.fixture(scope="session")
def sm_crypto_modules() -> Path:
    if NODE is None:
        pytest.skip("node (Node.js 18 or later) is not on PATH")
    if not (JS_DIR / "node_modules" / "sm-crypto" / "package.json").is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not on PATH: cannot install sm-crypto (npm ci in tests/interop/js)")
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return JS_DIR / "node_modules"


def run_example(
    script: Path, modules: Path, work: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """Run a documentation example as its reader would: the script beside an installed sm-crypto."""
    assert NODE is not None
    copy = work / script.name
    shutil.copy(script, copy)
    if not (work / "node_modules").exists():
        os.symlink(modules, work / "node_modules")
    return subprocess.run(
        [NODE, str(copy), *args],
        cwd=work,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        env=env,
        check=False,
    )


def test_sm_crypto_opens_the_example(sm_crypto_modules: Path, tmp_path: Path) -> None:
    done = run_example(
        ROOT / "docs/examples/javascript/envelope-vector.mjs", sm_crypto_modules, tmp_path, str(VECTOR_FILE)
    )
    result = json.loads(done.stdout)
    assert done.returncode == 0 and result["ok"], result
    assert len(result["checks"]) == 1 + 3 * len(VECTOR["vectors"])


def test_the_document_shows_the_vector() -> None:
    text = DOC.read_text(encoding="utf-8")
    for value in (VECTOR["privateKey"], VECTOR["publicKey"], VECTOR["k"]):
        assert value in text
    compact = "".join(text.split())  # long hex is wrapped in the document
    for item in VECTOR["vectors"]:
        assert item["c1c3c2"] in compact and item["der"] in compact and item["plaintext"] in text
