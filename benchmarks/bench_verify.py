"""12.1.10 on a 5 MiB signed PDF, end to end: Base64 + SM2 envelope, verification, status at the region.

The PDF is a genuine certificate of the demo person issued by the SH node (same data, signed with
the node's own key), enlarged to 5 MiB with an attached scan before signing. Baseline in the same
run: the same request with the demo's small (~25 KiB) genuine PDF. Target: under one second.
"""

from __future__ import annotations

import base64
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader, PdfWriter  # noqa: E402

from benchmarks import _stack  # noqa: E402
from regional_node.demo import DEMO_PERSON, certificates_of  # noqa: E402
from ysj_protocol.certfile import CertificateData, SignerInfo, render_pdf, sign_pdf  # noqa: E402
from ysj_protocol.client import EnvelopeClient, Peer  # noqa: E402
from ysj_protocol.crypto import sm2  # noqa: E402

TARGET_BYTES = 5 * 1024 * 1024
ROUNDS = 5


def signed_pdf(node_key: sm2.PrivateKey, padding: int) -> bytes:
    cert = next(c for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "111")
    data = CertificateData(
        region_code="SH", certificate_type=cert.type_name, certificate_type_code=cert.type_code,
        certificate_number=cert.number, holder_name=cert.holder_name, holder_code=cert.holder_code,
        holder_code_type=cert.holder_code_type, issue_dept=cert.issue_dept, issue_date=cert.issue_date,
        valid_from=cert.valid_from, valid_until=cert.valid_until, internal_id=cert.ref, surface=dict(cert.surface),
    )
    pdf = render_pdf(data)
    if padding:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
        writer.add_attachment("scan.bin", os.urandom(padding))  # incompressible, like a scanned image
        out = io.BytesIO()
        writer.write(out)
        pdf = out.getvalue()
    return sign_pdf(pdf, node_key, SignerInfo("SH"))


def main() -> int:
    rounds = 3 if "--quick" in sys.argv else ROUNDS
    stack = _stack.start(hub_workers=1, hub_threads=4)
    try:
        node_key = sm2.PrivateKey.from_hex(stack.nodes["SH"].private_hex)
        small = signed_pdf(node_key, 0)
        big = signed_pdf(node_key, TARGET_BYTES - len(small))
        hub_key = sm2.PrivateKey.from_hex(stack.hub_private_hex)
        app = EnvelopeClient(
            Peer(stack.hub_url, hub_key.public_key, name="hub"), account_id=_stack.APP_ID,
            private_key=sm2.PrivateKey.from_hex(stack.app_private_hex), timeout=60,
        )
        head = {"accessToken": stack.access_token}

        def verify(content: bytes) -> float:
            params = _stack.search_params(fileEntity=base64.b64encode(content).decode("ascii"), fileFormat="PDF")
            started = time.perf_counter()
            opened = app.call("/api/v1/certificates/verify", params, head=head)
            elapsed = time.perf_counter() - started
            assert opened.data["result"] == "1", opened.data
            return elapsed

        verify(small)
        verify(big)
        small_ms = statistics.median(verify(small) for _ in range(rounds)) * 1000
        big_ms = statistics.median(verify(big) for _ in range(rounds)) * 1000
        print(f"12.1.10, median of {rounds}, client time including its own SM2 encryption of the request:")
        print(f"  small genuine PDF ({len(small) / 1024:.0f} KiB)   {small_ms:7.1f} ms")
        print(f"  5 MiB genuine PDF ({len(big) / 1048576:.2f} MiB)  {big_ms:7.1f} ms  (target < 1000 ms)")
        print(f"  5 MiB / small                  {big_ms / small_ms:7.2f}x")
        if big_ms >= 1000:
            print("TARGET MISSED: 12.1.10 on a 5 MiB PDF under a second")
            return 1
        return 0
    finally:
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
