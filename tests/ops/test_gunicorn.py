"""The hub under gunicorn with its production configuration: JSON access lines, masked, and metrics summed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.regional import REPO_ROOT, free_port

TOKEN = "rDXFWcH0OnnWznKmXh2u_XHySI8hrwVT:1xY8jB:PTwRsecret"  # noqa: S105 - the shape of a download token


def test_access_lines_are_json_with_the_request_id_and_no_download_token(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "YSJ_", "GUNICORN_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "ysj_portal.settings", "DEBUG": "1", "YSJ_VAR_DIR": str(tmp_path / "var"),
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    })
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "ysj_portal/gunicorn.conf.py", "ysj_portal.wsgi"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()[-3000:]
                time.sleep(0.2)
        for _ in range(6):
            assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        httpx.get(f"{url}/api/v1/files/{TOKEN}", headers={"X-Request-ID": "trace-gunicorn-1"}, timeout=5)
        scraped = httpx.get(f"{url}/metrics", timeout=5).text
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text(encoding="utf-8")
    assert TOKEN not in text
    access = [json.loads(line) for line in text.splitlines() if '"gunicorn.access"' in line]
    download = next(line for line in access if line["request_id"] == "trace-gunicorn-1")
    assert download["path"] == "/api/v1/files/[已隐去]"
    healthz = sum(
        sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == "ysj_requests_total" and sample.labels["endpoint"] == "healthz"
    )
    assert healthz >= 7  # every worker's requests, whichever answered the scrape
