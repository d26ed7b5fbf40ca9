"""``ysj use``: the 11.4 subcommands run as a user runs them, in a subprocess, with their exit codes."""

import json
import os
import subprocess
import sys

import pytest

from ysj_protocol.certfile import verify_file
from ysj_protocol.crypto import sm2
from ysj_protocol.keyfiles import read_private_key_file

from .factories import genuine_ofd, genuine_pdf, registry

K1, K2 = "00112233445566778899aabbccddeeff", "ffeeddccbbaa99887766554433221100"
APP = "app-cli"
USE_ARGS = ["--scenario-name", "不动产登记", "--biz-num", "BIZ-CLI-1", "--item-org", "某区不动产登记中心"]


@pytest.fixture
def ysj(tmp_path):
    """Run ``ysj`` with a home, a store and master keys of the test's own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("YSJ_") and key != "XDG_CONFIG_HOME"
    }
    env |= {"HOME": str(tmp_path), "YSJ_STORE_DIR": str(tmp_path / "store"), "YSJ_STORE_KEYS": f"k1:{K1}"}

    def run(*args: str, keys: str | None = None, identity: bool = True) -> subprocess.CompletedProcess:
        extra = ["--app-id", APP, "--key-file", str(tmp_path / "app.key")] if identity else []
        return subprocess.run(
            [sys.executable, "-m", "ysj_protocol.cli", "--json", *args, *extra],
            env=env | ({"YSJ_STORE_KEYS": keys} if keys is not None else {}),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )

    assert run("keygen", "--out", str(tmp_path / "app.key"), identity=False).returncode == 0
    run.key = sm2.PrivateKey.from_hex(read_private_key_file(tmp_path / "app.key"))
    return run


def answer(done: subprocess.CompletedProcess):
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("fmt, content", [("pdf", genuine_pdf), ("ofd", genuine_ofd)])
def test_apply_then_open_then_verify(ysj, tmp_path, fmt, content):
    source = tmp_path / f"issued.{fmt}"
    source.write_bytes(content())
    stored = answer(ysj("use", "apply", str(source), *USE_ARGS))
    assert stored["keyId"] == "k1" and stored["fileFormat"] == fmt.upper()
    out = tmp_path / f"opened.{fmt}"
    opened = answer(ysj("use", "open", stored["fileId"], "--out", str(out)))
    assert opened["signatureChecked"] is True and opened["appId"] == APP
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    checked = verify_file(out.read_bytes(), fmt.upper(), registry(), {APP: ysj.key.public_key}.get)
    assert checked.ok and checked.application.app_id == APP
    assert answer(ysj("use", "verify", str(out)))["appId"] == APP
    # The file the region issued, taken back out, verifies as issued.
    issued = tmp_path / f"issued-again.{fmt}"
    answer(ysj("use", "original", str(out), "--out", str(issued)))
    again = verify_file(issued.read_bytes(), fmt.upper(), registry())
    assert again.ok and again.application is None


def test_watermark_and_sign_step_by_step(ysj, tmp_path):
    source = tmp_path / "issued.pdf"
    source.write_bytes(genuine_pdf())
    answer(ysj("use", "watermark", str(source), "--out", str(tmp_path / "marked.pdf"), *USE_ARGS))
    answer(ysj("use", "sign", str(tmp_path / "marked.pdf"), "--out", str(tmp_path / "signed.pdf")))
    assert answer(ysj("use", "verify", str(tmp_path / "signed.pdf")))["ok"] is True
    # The region's file alone carries no application signature: verification fails with 4.
    assert ysj("use", "verify", str(source)).returncode == 4


def test_a_changed_byte_in_the_store_exits_4(ysj, tmp_path):
    source = tmp_path / "issued.pdf"
    source.write_bytes(genuine_pdf())
    file_id = answer(ysj("use", "apply", str(source), *USE_ARGS))["fileId"]
    path = tmp_path / "store" / f"{file_id}.ysj"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x04
    path.write_bytes(bytes(raw))
    done = ysj("use", "open", file_id, "--out", str(tmp_path / "x.pdf"))
    assert done.returncode == 4
    assert "已被篡改" in done.stderr
    assert not (tmp_path / "x.pdf").exists()
    listed = ysj("use", "list")
    assert listed.returncode == 4 and json.loads(listed.stdout)[0]["ok"] is False


def test_rotation_rewrap_and_a_missing_key(ysj, tmp_path):
    source = tmp_path / "issued.ofd"
    source.write_bytes(genuine_ofd())
    old = answer(ysj("use", "store", str(source)))["fileId"]
    rotated = f"k2:{K2},k1:{K1}"
    new = answer(ysj("use", "store", str(source), keys=rotated))
    assert new["keyId"] == "k2"
    assert (
        answer(ysj("use", "open", old, "--out", str(tmp_path / "a.ofd"), "--no-verify", keys=rotated))[
            "keyId"
        ]
        == "k1"
    )
    only_new = f"k2:{K2}"
    missing = ysj("use", "open", old, "--out", str(tmp_path / "b.ofd"), "--no-verify", keys=only_new)
    assert missing.returncode == 3 and "主密钥 k1 不可用" in missing.stderr
    assert answer(ysj("use", "rewrap", keys=rotated))["rewrapped"] == [old]
    assert (
        answer(ysj("use", "open", old, "--out", str(tmp_path / "c.ofd"), "--no-verify", keys=only_new))[
            "keyId"
        ]
        == "k2"
    )
    assert (tmp_path / "c.ofd").read_bytes() == genuine_ofd()


def test_bad_input_exits_2(ysj, tmp_path):
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7 not really")
    done = ysj("use", "watermark", str(garbage), "--out", str(tmp_path / "o.pdf"), *USE_ARGS)
    assert done.returncode == 2 and "PDF 文件无法解析" in done.stderr
    assert (
        ysj("use", "watermark", str(garbage), "--out", str(tmp_path / "o.pdf")).returncode == 2
    )  # no use given
    assert ysj("use", "open", "../../etc/passwd", "--out", str(tmp_path / "o")).returncode == 2
    assert ysj("use", "apply", str(garbage), *USE_ARGS, keys="k1:00").returncode == 3
