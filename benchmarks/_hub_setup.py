"""Register the benchmark's nodes, application, catalog and scenario list in the hub database.

Reads ``{"nodes": {code: {url, public}}, "app_id", "scenario", "types"}`` as JSON on stdin, prints
the application's key and tokens as JSON on the last line of stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from regional_node.demo import DEMO_PERSON  # noqa: E402
from tests.sharing.factories import session_for  # noqa: E402
from tests.trust.factories import SHARED_CODES, catalog_entry, live_scenario  # noqa: E402
from trust.models import DIVISION_CODES, Region, RegionCode, TrustedApplication  # noqa: E402
from ysj_protocol.crypto import sm2  # noqa: E402


def main() -> None:
    spec = json.loads(sys.stdin.read())
    names = dict(RegionCode.choices)
    regions = {}
    for code, node in spec["nodes"].items():
        regions[code], _ = Region.objects.update_or_create(
            code=code,
            defaults={
                "division_code": DIVISION_CODES[code],
                "name": names[code],
                "endpoint": node["url"],
                "account_id": f"region-{code.lower()}",
                "public_key": node["public"],
                "timeout_seconds": 3.0,
            },
        )
    app_key = sm2.PrivateKey.generate()
    application, _ = TrustedApplication.objects.update_or_create(
        app_id=spec["app_id"],
        defaults={
            "name": "性能测试应用",
            "region": regions["SH"],
            "corp_name": "上海市大数据中心",
            "corp_code": "12310000MB2F32867X",
            "public_key": app_key.public_key.hex(),
        },
    )
    # The hub's catalog carries the shared GB/T 36902 codes; each node maps its local codes (the
    # ``types`` keys) to them by type name once the catalog is published to it, here inline.
    entries = [catalog_entry(SHARED_CODES[name], name) for name in spec["types"].values()]
    live_scenario(spec["scenario"], entries, [application])
    session = session_for(
        application, name=DEMO_PERSON.name, code_type=DEMO_PERSON.code_type, code=DEMO_PERSON.code
    )
    print(json.dumps({
        "app_private": app_key.hex(),
        "access_token": session.access_token,
        "trusted_token": session.trusted_token,
        "holder": DEMO_PERSON.as_holder(),
    }))


if __name__ == "__main__":
    main()
