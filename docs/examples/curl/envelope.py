"""Seal and open section-12 envelopes for plain ``curl``: the one step curl cannot do is SM2.

    python envelope.py seal PARAMS_JSON > body.json          # to the provider's key (YSJ_HUB_PUBLIC_KEY)
    curl -s -H 'Content-Type: application/json; charset=utf-8' -d @body.json URL > answer.json
    python envelope.py open < answer.json                    # with the application's key (YSJ_KEY_FILE)

``seal`` reads YSJ_APP_ID (head.accountId), YSJ_HUB_PUBLIC_KEY and, when set, YSJ_ACCESS_TOKEN
(head.accessToken). ``open`` prints the answer's decrypted data and exits 1 when ``head.status``
is not "0" (printing the status and message on stderr). Only ``ysj-protocol`` is needed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ysj_protocol import envelope
from ysj_protocol.crypto import sm2
from ysj_protocol.keyfiles import read_private_key_file


def seal(params_text: str) -> int:
    head = {"accessToken": os.environ["YSJ_ACCESS_TOKEN"]} if os.environ.get("YSJ_ACCESS_TOKEN") else None
    provider = sm2.PublicKey.from_hex(os.environ["YSJ_HUB_PUBLIC_KEY"])
    body = envelope.seal_request(os.environ["YSJ_APP_ID"], json.loads(params_text), provider, head=head)
    print(json.dumps(body, ensure_ascii=False))
    return 0


def open_answer(text: str) -> int:
    key = sm2.PrivateKey.from_hex(read_private_key_file(Path(os.environ["YSJ_KEY_FILE"])))
    opened = envelope.open_response(json.loads(text), key)  # C3 is checked; 04 or not, DER or not
    if opened.data is not None:
        print(json.dumps(opened.data, ensure_ascii=False, indent=2))
    if not opened.ok:
        print(f"{opened.status} {opened.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "seal":
        sys.exit(seal(sys.argv[2]))
    if len(sys.argv) == 2 and sys.argv[1] == "open":
        sys.exit(open_answer(sys.stdin.read()))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
