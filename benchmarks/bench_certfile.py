"""Benchmark of certificate-file generation, signing and verification on 5 MiB files.

Target (the script exits with status 1 when it is missed): `verify_file` on a signed 5 MiB PDF
within 200 ms (the median of the runs), so that the hub answers 12.1.10 well under a second.
The 5 MiB come from an incompressible embedded file, the worst case for the SM3 pass. A 5 MiB
OFD is measured too (a large resource file, every byte of which is referenced), and the phases of
PDF verification are broken down so that a regression shows where it is.

Usage: python benchmarks/bench_certfile.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

# Measure this checkout, wherever the script is started from.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader, PdfWriter  # noqa: E402

from ysj_protocol.certfile import (  # noqa: E402
    CertificateData,
    SignerInfo,
    pdf_signature,
    render_ofd,
    render_pdf,
    sign_ofd,
    sign_pdf,
    verify_file,
)
from ysj_protocol.certfile.cms import parse_signed_data  # noqa: E402
from ysj_protocol.crypto import sm2, sm3  # noqa: E402

MIB = 1024 * 1024
TARGET_VERIFY_MS = 200.0
PADDING = 5 * MIB


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def describe(label: str, ms: list[float]) -> str:
    return f"{label:<44} median {statistics.median(ms):8.1f} ms   best {min(ms):8.1f} ms   (n={len(ms)})"


def certificate() -> CertificateData:
    return CertificateData(
        region_code="JS",
        certificate_type="营业执照",
        certificate_type_code="11100000000013127D001",
        certificate_number="91320100MA1XXXXX0X",
        holder_name="南京示例信息技术有限公司",
        holder_code="91320100MA1XXXXX0X",
        holder_code_type="统一社会信用代码",
        issue_dept="南京市市场监督管理局",
        issue_date=date(2023, 9, 1),
        valid_from=date(2023, 9, 1),
        valid_until=None,
        internal_id="js-bench-0001",
        surface={"法定代表人": "陈一", "注册资本": "人民币1000.0000万元整", "住所": "南京市玄武区中山路1号"},
    )


def padded_pdf(data: CertificateData) -> bytes:
    """The rendered certificate plus an incompressible 5 MiB embedded file (a scanned original)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(render_pdf(data))))
    writer.add_attachment("scan.bin", os.urandom(PADDING))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def padded_ofd(data: CertificateData) -> bytes:
    archive_in = zipfile.ZipFile(io.BytesIO(render_ofd(data)))
    out = io.BytesIO()
    with archive_in, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive_out:
        for info in archive_in.infolist():
            archive_out.writestr(info, archive_in.read(info))
        archive_out.writestr(zipfile.ZipInfo("Doc_0/Res/scan.bin"), os.urandom(PADDING))
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    repeat = args.repeat or (5 if args.quick else 20)

    key = sm2.PrivateKey.generate()
    registered = {"JS": key.public_key}
    data = certificate()
    signer = SignerInfo("JS")
    print(f"SM3 backend: {sm3.backend_name()}")

    print(describe("render_pdf (one page)", timings(lambda: render_pdf(data), repeat)))
    print(describe("render_ofd (one page)", timings(lambda: render_ofd(data), repeat)))

    pdf = padded_pdf(data)
    sign_ms = timings(lambda: sign_pdf(pdf, key, signer), max(3, repeat // 4))
    signed = sign_pdf(pdf, key, signer)
    print(f"signed PDF size: {len(signed) / MIB:.2f} MiB")
    print(describe("sign_pdf (5 MiB)", sign_ms))
    result = verify_file(signed, "PDF", registered.get)
    assert result.ok, result
    verify_ms = timings(lambda: verify_file(signed, "PDF", registered.get), repeat)
    print(describe("verify_file PDF (5 MiB)", verify_ms))

    # Where the time goes.
    def locate() -> pdf_signature.RawSignature:
        return pdf_signature.find_signatures(PdfReader(io.BytesIO(signed)), signed)[0]

    print(describe("  open (pypdf) + locate signature", timings(locate, repeat)))
    sig = locate()
    signed_range = pdf_signature.check_byte_range(sig, signed)
    print(
        describe(
            "  ByteRange + hex checks", timings(lambda: pdf_signature.check_byte_range(sig, signed), repeat)
        )
    )
    print(
        describe(
            "  SM3 over the signed ranges",
            timings(lambda: pdf_signature.digest_signed_ranges(signed, signed_range), repeat),
        )
    )
    parsed = parse_signed_data(signed_range.signature_der(signed))
    print(
        describe(
            "  CMS parse", timings(lambda: parse_signed_data(signed_range.signature_der(signed)), repeat)
        )
    )
    print(describe("  SM2 verify", timings(parsed.verify, repeat)))

    ofd = padded_ofd(data)
    signed_ofd = sign_ofd(ofd, key, signer)
    print(f"signed OFD size: {len(signed_ofd) / MIB:.2f} MiB")
    print(describe("sign_ofd (5 MiB)", timings(lambda: sign_ofd(ofd, key, signer), max(3, repeat // 4))))
    assert verify_file(signed_ofd, "OFD", registered.get).ok
    print(
        describe(
            "verify_file OFD (5 MiB)", timings(lambda: verify_file(signed_ofd, "OFD", registered.get), repeat)
        )
    )

    median = statistics.median(verify_ms)
    met = median <= TARGET_VERIFY_MS
    print(
        f"\ntarget: verify 5 MiB PDF <= {TARGET_VERIFY_MS:.0f} ms (median): {median:.1f} ms -> {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
