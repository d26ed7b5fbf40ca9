"""The ``ysj`` command line run as a developer runs it: the installed console script in a
subprocess, configured by a file and environment variables, against the live hub and the demo's
nodes; ``--json`` output parsed, exit codes checked (``ysj_protocol.cli.exitcodes``)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from regional_node.demo import DEMO_PERSON
from trust.keys import hub_public_key
from ysj_portal import demo
from ysj_protocol import status as st
from ysj_protocol.cli import exitcodes

from ..regional import free_port
from .conftest import PUBLISHED, demo_app, issue_service_code

YSJ = Path(sys.executable).with_name("ysj")
COMMAND = [str(YSJ)] if YSJ.exists() else [sys.executable, "-m", "ysj_protocol.cli"]


def ysj(*args: str, env: dict[str, str], check: int | None = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*COMMAND, *args], env=env, capture_output=True, text=True, encoding="utf-8", timeout=180, check=False
    )
    if check is not None:
        assert done.returncode == check, (
            f"ysj {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
    return done


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YSJ_")}
    env.update(
        {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache")}
    )
    return env


@pytest.fixture
def app_env(demo_hub: Any, home: Path) -> dict[str, str]:
    """The demo application as printed by ``make demo``, in the environment; region keys in the file."""
    app = demo_app()
    config = home / "config" / "ysj" / "config.toml"
    config.parent.mkdir(parents=True)
    keys = "\n".join(f'{code} = "{demo.node_key(code).public_key.hex()}"' for code in demo.REGION_ORDER)
    config.write_text(f"timeout = 60\n\n[region_keys]\n{keys}\n", encoding="utf-8")
    return {
        **base_env(home),
        "YSJ_BASE_URL": demo_hub.url,
        "YSJ_HUB_PUBLIC_KEY": hub_public_key().hex(),
        "YSJ_APP_ID": app.app_id,
        "YSJ_APP_SECRET": app.app_secret,
        "YSJ_CORP_NAME": app.corp_name,
        "YSJ_CORP_CODE": app.corp_code,
        "YSJ_KEY_FILE": str(app.key_path),
        "YSJ_OPERATOR": "王五",
    }


def test_keygen_writes_a_private_file_and_refuses_to_overwrite(home: Path) -> None:
    env = base_env(home)
    out = home / "keys" / "app.key"
    made = as_json(ysj("keygen", "--out", str(out), "--json", env=env))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert Path(made["publicKeyFile"]).read_text().strip() == made["publicKey"]
    assert made["publicKey"].startswith("04") and len(made["publicKey"]) == 130
    again = ysj("keygen", "--out", str(out), env=env, check=exitcodes.CONFIG)
    assert "已存在" in again.stderr


def test_usage_and_configuration_errors(home: Path) -> None:
    env = base_env(home)
    assert ysj("search", env=env, check=exitcodes.USAGE).returncode == 2
    missing = ysj("catalogs", "--json", env=env, check=exitcodes.CONFIG)
    assert as_json(missing)["error"]["kind"] == "ConfigError"
    assert "YSJ_KEY_FILE" in missing.stderr  # says where to set what is missing
    key = home / "k.key"
    ysj("keygen", "--out", str(key), env=env)
    closed = {
        **env,
        "YSJ_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "YSJ_HUB_PUBLIC_KEY": "04" + "11" * 64,  # not a point of the curve
        "YSJ_APP_ID": "app",
        "YSJ_KEY_FILE": str(key),
    }
    # An invalid public key is a configuration error, found before any call.
    assert ysj("catalogs", env=closed, check=exitcodes.CONFIG).returncode == exitcodes.CONFIG
    closed["YSJ_HUB_PUBLIC_KEY"] = demo.node_key("SH").public_key.hex()
    closed["YSJ_TIMEOUT"] = "2"
    unreachable = ysj("catalogs", "--json", env={**closed, "YSJ_APP_SECRET": "s"}, check=exitcodes.NETWORK)
    assert as_json(unreachable)["error"]["kind"] == "Unreachable"


@pytest.mark.django_db(transaction=True)
def test_the_whole_chain_with_ysj(app_env: dict[str, str], demo_network: Any, tmp_path: Path) -> None:
    env = app_env
    registered = as_json(ysj("register", "--json", env=env))
    assert registered["accessToken"] and registered["secondsLeft"] > 0
    token_file = Path(env["XDG_CACHE_HOME"]) / "ysj" / "tokens.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    catalogs = as_json(ysj("catalogs", "--json", env=env))
    assert catalogs["total"] == len(catalogs["dataList"]) > 0
    lists = as_json(ysj("scenarios", "--json", env=env))
    assert {item["item_code"] for item in lists["dataList"]} >= set(PUBLISHED)

    holder = ["--id-no", DEMO_PERSON.code, "--name", DEMO_PERSON.name]
    found = as_json(ysj("search", "--item-code", PUBLISHED[0], *holder, "--json", env=env))
    assert found["total"] == len(found["dataList"]) > 0 and found["unavailableRegions"] == []
    table = ysj("search", "--item-code", PUBLISHED[0], *holder, env=env).stdout
    assert "证照标识" in table and found["dataList"][0]["certificate_type"] in table

    certificate_id = found["dataList"][0]["certificate_id"]
    out = tmp_path / "file.pdf"
    fetched = as_json(
        ysj(
            "fetch",
            certificate_id,
            "--item-code",
            PUBLISHED[0],
            "--raw",
            "--out",
            str(out),
            "--json",
            env=env,
        )
    )
    assert fetched["bytes"] == out.stat().st_size and out.read_bytes().startswith(b"%PDF")

    verified = as_json(ysj("verify", str(out), "--hub", "--item-code", PUBLISHED[0], "--json", env=env))
    assert verified["local"]["ok"] and verified["local"]["regionCode"] in demo.REGION_ORDER
    assert verified["hub"]["ok"] and verified["hub"]["certificate_status"] == "valid"
    tampered = tmp_path / "tampered.pdf"
    content = bytearray(out.read_bytes())
    content[len(content) // 3] ^= 0x01
    tampered.write_bytes(bytes(content))
    failed = ysj("verify", str(tampered), env=env, check=exitcodes.VERIFICATION_FAILED)
    assert "未通过" in failed.stdout

    code = issue_service_code(demo.node_url("SH", demo_network.base_port))
    decoded = as_json(ysj("decode-code", code, "--json", env=env))
    assert decoded["regionCode"] == "SH" and decoded["signature"].startswith("签名有效")
    assert decoded["holderCode"].upper() == DEMO_PERSON.code.upper()
    # 12.2.2 through the command line: the holder, a holder token, the listed certificates; once only.
    at_hub = as_json(ysj("service-code", code, "--item-code", PUBLISHED[0], "--json", env=env))
    assert at_hub["user_name"] == DEMO_PERSON.name and at_hub["id_card"].upper() == DEMO_PERSON.code.upper()
    assert at_hub["token"]["trusted_token"] and at_hub["certificates"]
    assert all(c["certificate_id"] for c in at_hub["certificates"])
    again = ysj("service-code", code, "--item-code", PUBLISHED[0], "--json", env=env, check=exitcodes.REFUSED)
    assert as_json(again)["error"]["status"] == st.SERVICE_CODE_REPLAYED.code

    refused = ysj(
        "search", "--item-code", "NO-SUCH-LIST", *holder, "--json", env=env, check=exitcodes.REFUSED
    )
    error = as_json(refused)["error"]
    assert error["status"] == st.SCENARIO_NOT_FOUND.code and error["meaning"] == st.SCENARIO_NOT_FOUND.message
    assert st.SCENARIO_NOT_FOUND.code in refused.stderr

    # An identifier beginning with "-" (one base64url draw in 64; older hubs issued them) is read
    # as the identifier, not as an option: the hub is asked and refuses it as unknown.
    dashed = "-" + certificate_id[1:]
    for args in (["fetch", dashed, "--raw", "--out", str(tmp_path / "x.pdf")], ["info", "--id", dashed]):
        answer = ysj(*args, "--item-code", PUBLISHED[0], "--json", env=env, check=exitcodes.REFUSED)
        assert as_json(answer)["error"]["status"] == st.CERTIFICATE_ID_INVALID.code, answer.stdout


def test_the_progress_bar_shows_long_transfers_only() -> None:
    import io

    from ysj_protocol.cli.output import ProgressBar

    short, long = io.StringIO(), io.StringIO()
    small = ProgressBar("下载", force=True, stream=short)
    small(1000, 1000)
    small.done()
    assert short.getvalue() == ""
    big = ProgressBar("下载", force=True, stream=long)
    total = 4 * ProgressBar.THRESHOLD
    for received in range(0, total + 1, total // 4):
        big(received, total)
    big.done()
    assert "100%" in long.getvalue() and long.getvalue().endswith("\n")
    assert long.getvalue().count("\r") == 5
