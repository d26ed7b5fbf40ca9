"""Holders used across the trust tests: numbers with correct check characters, built at run time."""

from ysj_protocol.identifiers import resident_id_check_char, uscc_check_char


def resident_id(first17: str = "31010119900307123") -> str:
    return first17 + resident_id_check_char(first17)


def wrong_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def uscc(first17: str = "91310000MA1FL1234") -> str:
    return first17 + uscc_check_char(first17)


PERSON = {"name": "张三", "idCard": resident_id(), "phone": "13800138000"}
CORPORATION = {"name": "上海示例科技有限公司", "uscc": uscc()}
