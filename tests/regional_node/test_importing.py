"""A region loads its own certificates (import_certificates), and a certificate whose file cannot be
drawn is answered 4004, never a 500."""

from __future__ import annotations

import json

import pytest

from regional_node.demo import ID_CARD, DemoHolder
from ysj_protocol import status as st
from ysj_protocol.client import StatusError
from ysj_protocol.identifiers import resident_id_check_char

from .helpers import audit, search_params

FIRST17 = "31011519900101123"
HOLDER = DemoHolder("欧阳娜娜", FIRST17 + resident_id_check_char(FIRST17), ID_CARD, "person", "SH")


def _line(number: str, **changes) -> str:
    record = {
        "certificateType": "居民身份证",
        "certificateTypeCode": "111",
        "certificateHolder": HOLDER.name,
        "certificateHolderCode": HOLDER.code,
        "certificateHolderType": ID_CARD,
        "issueDept": "上海市公安局浦东分局",
        "certificateNumber": number,
        "issueDate": "2021-05-06",
        "certificateValidateStart": "2021-05-06",
        "certificateValidateEnd": "2041-05-06",
        "surface": {"姓名": HOLDER.name, "性别": "女"},
    }
    record.update(changes)
    return json.dumps(record, ensure_ascii=False)


def _import(node, tmp_path, *lines: str) -> str:
    path = tmp_path / "certificates.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return node.manage("import_certificates", str(path))


def _search(node) -> list[dict]:
    with node.hub_client() as client:
        return client.call("/api/v1/certificates/search", search_params(HOLDER, ["111", "113"])).data[
            "dataList"
        ]


def test_imported_certificates_are_found_and_reimport_updates(regional_nodes, tmp_path):
    node = regional_nodes["SH"]
    assert "新增 1 张" in _import(node, tmp_path, _line(HOLDER.code))
    found = _search(node)
    assert [item["certificateNumber"] for item in found] == [HOLDER.code]
    assert "更新 1 张" in _import(node, tmp_path, _line(HOLDER.code, status="revoked"))
    assert _search(node) == []
    with node.hub_client() as client:
        status = client.call(
            "/api/v1/certificates/status", {"certificateRef": found[0]["certificateRef"]}
        ).data
    assert status == {"status": "revoked"}


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ('{"certificateType": ', "不是合法的 JSON"),
        (_line("X-2", certificateHolderCode="310115199001011230"), "居民身份证号码"),
        (_line("X-2", issueDate="2021/05/06"), "issueDate"),
        (_line("X-2", certificateValidateEnd="2001-01-01"), "certificateValidateEnd"),
        (_line("X-2", surface={"姓名": 1}), "surface"),
        (_line("X-2", status="lost"), "status"),
    ],
)
def test_one_bad_line_imports_nothing(regional_nodes, tmp_path, bad, fragment):
    node = regional_nodes["SH"]
    good = _line(
        "沪婚-IMPORT-1", certificateType="结婚证", certificateTypeCode="113", certificateValidateEnd=""
    )
    with pytest.raises(RuntimeError) as failed:
        _import(node, tmp_path, good, bad)
    assert "第 2 行" in str(failed.value)
    assert fragment in str(failed.value)
    assert all(item["certificateNumber"] != "沪婚-IMPORT-1" for item in _search(node))


def test_a_certificate_whose_file_cannot_be_drawn_is_4004(regional_nodes, tmp_path):
    node = regional_nodes["SH"]
    crowded = {f"附加事项{i:02d}": "内容" * 30 for i in range(40)}
    _import(
        node,
        tmp_path,
        _line(
            "沪婚-CROWDED",
            certificateType="结婚证",
            certificateTypeCode="113",
            certificateValidateEnd="",
            surface=crowded,
        ),
    )
    ref = next(
        item["certificateRef"] for item in _search(node) if item["certificateNumber"] == "沪婚-CROWDED"
    )
    with node.hub_client() as client:
        info = client.call("/api/v1/certificates/info", {"certificateRef": ref, "audit": audit()}).data
        assert info["surface"] == crowded
        with pytest.raises(StatusError) as refused:
            client.call(
                "/api/v1/certificates/file", {"certificateRef": ref, "fileFormat": "PDF", "audit": audit()}
            )
    assert refused.value.status == st.CERTIFICATE_NOT_FOUND.code
    assert refused.value.http_status == 404
