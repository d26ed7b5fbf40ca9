"""Deterministic demo data of the four regional nodes: holders and their certificates.

Free of Django so that the hub's tests and demo modules can read it: ``DEMO_HOLDERS`` (natural
persons with valid GB 11643 identity numbers, companies with valid GB 32100 codes) and
``DEMO_CERTIFICATES`` (each with the region that issued it). The same holder has certificates in
several regions, so a fused search finds results in more than one; a few certificates are
revoked or expired. Everything derives from a fixed seed and fixed dates: two runs, two
machines, the same data (and the same ``certificateRef`` values).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from ysj_protocol.identifiers import resident_id_check_char, uscc_check_char

SEED = 20240601
ID_CARD = "身份证"
USCC = "统一社会信用代码"
PERSON = "person"
COMPANY = "company"
VALID = "valid"
REVOKED = "revoked"
EXPIRED = "expired"
_REF_NAMESPACE = uuid.UUID("6f1d0c2e-5b7a-4e0b-9a51-2f0e1d6c8b33")


@dataclass(frozen=True, slots=True)
class CertificateType:
    code: str
    name: str
    holder_kind: str  # PERSON, COMPANY or "any"
    defining_authority: str


#: Certificate types of the demo (type code, name, who holds it, who defines it nationally).
CERTIFICATE_TYPES: dict[str, CertificateType] = {
    t.code: t
    for t in (
        CertificateType("111", "居民身份证", PERSON, "公安部"),
        CertificateType("112", "机动车驾驶证", PERSON, "公安部"),
        CertificateType("113", "结婚证", PERSON, "民政部"),
        CertificateType("114", "不动产权证书", "any", "自然资源部"),
        CertificateType("115", "出生医学证明", PERSON, "国家卫生健康委员会"),
        CertificateType("311", "营业执照", COMPANY, "国家市场监督管理总局"),
        CertificateType("312", "食品经营许可证", COMPANY, "国家市场监督管理总局"),
        CertificateType("313", "建筑业企业资质证书", COMPANY, "住房和城乡建设部"),
        CertificateType("314", "社会团体法人登记证书", COMPANY, "民政部"),
    )
}


@dataclass(frozen=True, slots=True)
class DemoHolder:
    name: str
    code: str
    code_type: str  # ID_CARD or USCC
    kind: str  # PERSON or COMPANY
    home_region: str

    def as_holder(self) -> dict[str, str]:
        """The holder as the hub sends it to a region (docs/region-protocol.md)."""
        return {"name": self.name, "codeType": self.code_type, "code": self.code}


@dataclass(frozen=True, slots=True)
class DemoCertificate:
    region: str
    holder_code: str
    holder_name: str
    holder_code_type: str
    type_code: str
    type_name: str
    number: str
    issue_dept: str
    issue_date: date
    valid_from: date
    valid_until: date | None
    status: str
    surface: dict[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """The region's stable reference of the certificate (``certificateRef``)."""
        return uuid.uuid5(_REF_NAMESPACE, f"{self.region}:{self.type_code}:{self.number}").hex


@dataclass(frozen=True, slots=True)
class _Region:
    code: str
    short: str
    province: str
    city: str
    district: str
    district_code: str
    streets: tuple[str, ...]


_REGIONS = {
    "SH": _Region(
        "SH", "沪", "上海市", "上海市", "徐汇区", "310104", ("漕溪北路", "肇嘉浜路", "龙华中路", "天钥桥路")
    ),
    "JS": _Region(
        "JS", "苏", "江苏省", "南京市", "玄武区", "320102", ("中山路", "北京东路", "珠江路", "龙蟠路")
    ),
    "ZJ": _Region(
        "ZJ", "浙", "浙江省", "杭州市", "西湖区", "330106", ("文三路", "天目山路", "学院路", "古墩路")
    ),
    "AH": _Region(
        "AH", "皖", "安徽省", "合肥市", "蜀山区", "340104", ("长江西路", "黄山路", "潜山路", "望江西路")
    ),
}
REGION_CODES = tuple(_REGIONS)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN_MALE = (
    "伟",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "浩然",
    "子轩",
    "宇航",
    "建国",
    "志强",
    "文博",
)
_GIVEN_FEMALE = (
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "婷",
    "雪",
    "慧",
    "颖",
    "欣怡",
    "梓涵",
    "雨桐",
    "思琪",
    "佳怡",
    "晓燕",
)
_ETHNICITIES = ("汉", "汉", "汉", "汉", "汉", "回", "满", "壮")
_COMPANY_WORDS = (
    "智联",
    "云帆",
    "恒通",
    "华信",
    "锦程",
    "长江",
    "新润",
    "中辰",
    "瑞丰",
    "同舟",
    "明德",
    "启航",
)
_COMPANY_TRADES = (
    ("科技有限公司", "技术开发、技术咨询、技术服务；软件开发；信息系统集成服务"),
    ("餐饮管理有限公司", "餐饮服务；食品销售；餐饮管理"),
    ("建设工程有限公司", "建设工程施工；建筑劳务分包；住宅室内装饰装修"),
    ("商贸有限公司", "日用百货、食品、五金交电的销售；货物进出口"),
)


def _person_id(rng: random.Random, district_code: str, birth: date, male: bool) -> str:
    seq = rng.randrange(10, 99)
    sex_digit = rng.choice("13579" if male else "02468")
    first17 = f"{district_code}{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + resident_id_check_char(first17)


def _uscc(rng: random.Random, district_code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    org = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(alphabet)
    first17 = f"91{district_code}{org}"
    return first17 + uscc_check_char(first17)


def _date_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days))


def _add_years(value: date, years: int) -> date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def _fmt(value: date) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def _dotted(value: date | None) -> str:
    return f"{value:%Y.%m.%d}" if value else "长期"


#: Surface fields that repeat the certificate's own metadata (dropped so the page stays one page).
_SHOWN_ELSEWHERE = {
    "311": ("名称", "统一社会信用代码", "登记机关"),
    "312": ("经营者名称", "社会信用代码（身份证号码）", "许可证编号", "有效期至"),
}


@dataclass
class _Builder:
    rng: random.Random
    holders: list[DemoHolder] = field(default_factory=list)
    certificates: list[DemoCertificate] = field(default_factory=list)
    addresses: dict[str, str] = field(default_factory=dict)
    extra: dict[str, dict[str, str]] = field(default_factory=dict)
    _numbers: set[str] = field(default_factory=set)

    def address(self, region: str) -> str:
        r = _REGIONS[region]
        return f"{r.city}{r.district}{self.rng.choice(r.streets)}{self.rng.randrange(1, 999)}号"

    def add(
        self,
        holder: DemoHolder,
        region: str,
        type_code: str,
        number: str,
        issue_dept: str,
        issue_date: date,
        valid_until: date | None,
        surface: dict[str, str],
        status: str = VALID,
    ) -> None:
        ctype = CERTIFICATE_TYPES[type_code]
        # The file shows number, holder, authority and validity itself; the surface keeps the rest.
        surface = {k: v for k, v in surface.items() if k not in _SHOWN_ELSEWHERE.get(type_code, ())}
        key = f"{region}:{type_code}:{number}"
        if key in self._numbers:
            return
        self._numbers.add(key)
        self.certificates.append(
            DemoCertificate(
                region=region,
                holder_code=holder.code,
                holder_name=holder.name,
                holder_code_type=holder.code_type,
                type_code=type_code,
                type_name=ctype.name,
                number=number,
                issue_dept=issue_dept,
                issue_date=issue_date,
                valid_from=issue_date,
                valid_until=valid_until,
                status=status,
                surface=surface,
            )
        )

    # ------------------------------------------------------------------ persons
    def person(self, name: str, male: bool, home: str, birth: date) -> DemoHolder:
        r = _REGIONS[home]
        holder = DemoHolder(name, _person_id(self.rng, r.district_code, birth, male), ID_CARD, PERSON, home)
        self.holders.append(holder)
        self.addresses[holder.code] = self.address(home)
        self.extra[holder.code] = {
            "sex": "男" if male else "女",
            "ethnicity": self.rng.choice(_ETHNICITIES),
            "birth": _fmt(birth),
        }
        return holder

    def id_card(self, holder: DemoHolder, status: str = VALID) -> None:
        r = _REGIONS[holder.home_region]
        issued = _date_between(self.rng, date(2012, 1, 1), date(2024, 6, 1))
        if status == EXPIRED:
            issued = _date_between(self.rng, date(2008, 1, 1), date(2012, 6, 1))
            until = _add_years(issued, 10)
        else:
            until = _add_years(issued, 20)
        info = self.extra[holder.code]
        dept = f"{r.city}公安局{r.district.removesuffix('区')}分局"
        self.add(
            holder,
            holder.home_region,
            "111",
            holder.code,
            dept,
            issued,
            until,
            {
                "姓名": holder.name,
                "性别": info["sex"],
                "民族": info["ethnicity"],
                "出生": info["birth"],
                "住址": self.addresses[holder.code],
                "公民身份号码": holder.code,
                "签发机关": dept,
                "有效期限": f"{_dotted(issued)}-{_dotted(until)}",
            },
            status,
        )

    def driving_licence(self, holder: DemoHolder, region: str, status: str = VALID) -> None:
        r = _REGIONS[region]
        first = _date_between(self.rng, date(2008, 1, 1), date(2020, 1, 1))
        issued = _date_between(self.rng, date(2019, 1, 1), date(2024, 6, 1))
        if status == EXPIRED:
            issued = _date_between(self.rng, date(2010, 1, 1), date(2013, 1, 1))
        until = _add_years(issued, 10 if status != EXPIRED else 6)
        dept = f"{r.city}公安局交通警察{'总队' if region == 'SH' else '支队'}"
        info = self.extra[holder.code]
        self.add(
            holder,
            region,
            "112",
            holder.code,
            dept,
            issued,
            until,
            {
                "证号": holder.code,
                "姓名": holder.name,
                "性别": info["sex"],
                "国籍": "中国",
                "住址": self.address(region),
                "出生日期": info["birth"],
                "初次领证日期": _fmt(first),
                "准驾车型": self.rng.choice(("C1", "C1", "C2", "B2", "A2")),
                "有效期限": f"{_dotted(issued)}至{_dotted(until)}",
                "发证机关": dept,
            },
            status,
        )

    def marriage(self, husband: DemoHolder, wife: DemoHolder, region: str) -> None:
        r = _REGIONS[region]
        registered = _date_between(self.rng, date(2010, 1, 1), date(2023, 12, 1))
        dept = f"{r.city}{r.district}民政局"
        number = f"J{r.district_code}-{registered.year}-{self.rng.randrange(1, 9999):06d}"
        for holder in (husband, wife):
            surface = {
                "持证人": holder.name,
                "登记日期": _fmt(registered),
                "结婚证字号": number,
                "男方姓名": husband.name,
                "男方身份证件号": husband.code,
                "女方姓名": wife.name,
                "女方身份证件号": wife.code,
                "登记机关": dept,
            }
            # Each spouse holds a certificate; the face number is the register number plus a suffix.
            suffix = "-1" if holder is husband else "-2"
            self.add(holder, region, "113", number + suffix, dept, registered, None, surface)

    def property_deed(self, holder: DemoHolder, region: str, status: str = VALID) -> None:
        r = _REGIONS[region]
        issued = _date_between(self.rng, date(2016, 1, 1), date(2024, 6, 1))
        number = f"{r.short}（{issued.year}）{r.district if region == 'SH' else r.city}不动产权第{self.rng.randrange(1, 9999999):07d}号"
        dept = f"{r.city}{'不动产登记局' if region == 'SH' else '自然资源和规划局'}"
        area = f"{self.rng.randrange(45, 180)}.{self.rng.randrange(10, 99)}平方米"
        self.add(
            holder,
            region,
            "114",
            number,
            dept,
            issued,
            None,
            {
                "权利人": holder.name,
                "共有情况": "单独所有",
                "坐落": self.address(region) + f"{self.rng.randrange(1, 30)}{self.rng.randrange(1, 4):02d}室",
                "不动产单元号": f"{r.district_code}{self.rng.randrange(1, 999):03d}{self.rng.randrange(1, 99999):05d}GB{self.rng.randrange(1, 99999):05d}F{self.rng.randrange(1, 9999):08d}",
                "权利类型": "国有建设用地使用权/房屋所有权",
                "权利性质": "出让/市场化商品房" if holder.kind == PERSON else "出让/自建房",
                "用途": "住宅" if holder.kind == PERSON else "办公",
                "面积": area,
                "使用期限": f"{issued.year - 1}年{issued.month:02d}月{issued.day:02d}日起{issued.year + 69}年止",
            },
            status,
        )

    # ------------------------------------------------------------------ companies
    def company(self, word: str, trade: int, home: str, legal_rep: DemoHolder) -> DemoHolder:
        r = _REGIONS[home]
        suffix, scope = _COMPANY_TRADES[trade]
        name = f"{r.city.removesuffix('市')}{word}{suffix}"
        holder = DemoHolder(name, _uscc(self.rng, r.district_code), USCC, COMPANY, home)
        self.holders.append(holder)
        self.addresses[holder.code] = self.address(home)
        founded = _date_between(self.rng, date(2005, 1, 1), date(2022, 1, 1))
        self.extra[holder.code] = {
            "legal_rep": legal_rep.name,
            "scope": scope,
            "founded": _fmt(founded),
            "capital": f"人民币{self.rng.choice((50, 100, 200, 500, 1000, 3000))}万元整",
            "founded_iso": founded.isoformat(),
        }
        return holder

    def business_licence(self, holder: DemoHolder, status: str = VALID) -> None:
        r = _REGIONS[holder.home_region]
        info = self.extra[holder.code]
        issued = _date_between(self.rng, date.fromisoformat(info["founded_iso"]), date(2024, 6, 1))
        dept = f"{r.city}{r.district}市场监督管理局"
        self.add(
            holder,
            holder.home_region,
            "311",
            holder.code,
            dept,
            issued,
            None,
            {
                "名称": holder.name,
                "统一社会信用代码": holder.code,
                "类型": "有限责任公司（自然人投资或控股）",
                "法定代表人": info["legal_rep"],
                "注册资本": info["capital"],
                "成立日期": info["founded"],
                "营业期限": f"{info['founded']}至不约定期限",
                "住所": self.addresses[holder.code],
                "经营范围": info["scope"],
                "登记机关": dept,
            },
            status,
        )

    def food_permit(self, holder: DemoHolder, region: str, status: str = VALID) -> None:
        r = _REGIONS[region]
        issued = _date_between(self.rng, date(2024, 7, 1), date(2025, 6, 1))
        if status == EXPIRED:
            issued = _date_between(self.rng, date(2016, 1, 1), date(2018, 1, 1))
        until = _add_years(issued, 5)
        number = f"JY{'13' if holder.code[1] == '1' else '23'}{r.district_code[:6]}{self.rng.randrange(1, 999999):06d}"
        dept = f"{r.city}{r.district}市场监督管理局"
        info = self.extra[holder.code]
        self.add(
            holder,
            region,
            "312",
            number,
            dept,
            issued,
            until,
            {
                "经营者名称": holder.name,
                "社会信用代码（身份证号码）": holder.code,
                "法定代表人（负责人）": info["legal_rep"],
                "住所": self.addresses[holder.code],
                "经营场所": self.address(region),
                "主体业态": self.rng.choice(
                    ("餐饮服务经营者（中型餐馆）", "食品销售经营者（超市）", "单位食堂")
                ),
                "经营项目": "热食类食品制售；冷食类食品制售；预包装食品（含冷藏冷冻食品）销售",
                "许可证编号": number,
                "有效期至": _fmt(until),
                "日常监督管理机构": f"{r.district}市场监督管理局",
                "签发人": self.rng.choice(_SURNAMES) + self.rng.choice(_GIVEN_MALE),
            },
            status,
        )

    def construction_qualification(self, holder: DemoHolder, region: str, status: str = VALID) -> None:
        r = _REGIONS[region]
        issued = _date_between(self.rng, date(2024, 7, 1), date(2025, 6, 1))
        until = _add_years(issued, 5)
        number = f"D{'2' if region in ('SH', 'JS') else '3'}{r.district_code[:2]}{self.rng.randrange(1, 9999999):07d}"
        dept = f"{r.province if region != 'SH' else '上海市'}住房和城乡建设{'管理委员会' if region == 'SH' else '厅'}"
        info = self.extra[holder.code]
        self.add(
            holder,
            region,
            "313",
            number,
            dept,
            issued,
            until,
            {
                "企业名称": holder.name,
                "详细地址": self.addresses[holder.code],
                "统一社会信用代码": holder.code,
                "法定代表人": info["legal_rep"],
                "注册资本": info["capital"],
                "经济性质": "有限责任公司",
                "资质类别及等级": self.rng.choice(
                    ("建筑工程施工总承包贰级", "市政公用工程施工总承包叁级", "建筑装修装饰工程专业承包贰级")
                ),
                "证书编号": number,
                "有效期": _fmt(until),
                "发证机关": dept,
            },
            status,
        )

    def birth_certificate(self, holder: DemoHolder, mother: str, father: str) -> None:
        r = _REGIONS[holder.home_region]
        info = self.extra[holder.code]
        born = date.fromisoformat(f"{holder.code[6:10]}-{holder.code[10:12]}-{holder.code[12:14]}")
        hospital = f"{r.city}{self.rng.choice(('第一妇婴保健院', '妇幼保健院', '人民医院'))}"
        number = f"{self.rng.choice('MNOP')}{r.district_code[:2]}{self.rng.randrange(1, 99999999):08d}"
        self.add(
            holder,
            holder.home_region,
            "115",
            number,
            hospital,
            born,
            None,
            {
                "新生儿姓名": holder.name,
                "性别": info["sex"],
                "出生时间": f"{_fmt(born)}{self.rng.randrange(0, 24):02d}时{self.rng.randrange(0, 60):02d}分",
                "出生地点": f"{r.province}{r.city if r.city != r.province else ''}{r.district}",
                "健康状况": "良好",
                "出生体重": f"{self.rng.randrange(2600, 4200)}克",
                "母亲姓名": mother,
                "父亲姓名": father,
                "接生机构名称": hospital,
                "出生医学证明编号": number,
            },
        )

    def social_organisation(self, name: str, home: str, legal_rep: DemoHolder, business: str) -> DemoHolder:
        r = _REGIONS[home]
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        first17 = (
            f"51{r.district_code}"
            + "".join(self.rng.choice("0123456789") for _ in range(8))
            + self.rng.choice(alphabet)
        )
        holder = DemoHolder(name, first17 + uscc_check_char(first17), USCC, COMPANY, home)
        self.holders.append(holder)
        self.addresses[holder.code] = self.address(home)
        issued = _date_between(self.rng, date(2024, 7, 1), date(2025, 6, 1))
        until = _add_years(issued, 5)
        dept = f"{r.city}民政局" if home != "SH" else "上海市社会团体管理局"
        number = f"{r.short}社证字第{self.rng.randrange(1, 99999):05d}号"
        self.add(
            holder,
            home,
            "314",
            number,
            dept,
            issued,
            until,
            {
                "名称": name,
                "统一社会信用代码": holder.code,
                "住所": self.addresses[holder.code],
                "法定代表人": legal_rep.name,
                "业务范围": business,
                "活动地域": r.province,
                "注册资金": f"{self.rng.choice((3, 10, 30, 50))}万元",
                "业务主管单位": f"{r.city}科学技术协会",
                "有效期限": f"{_fmt(issued)}至{_fmt(until)}",
                "登记管理机关": dept,
            },
        )
        return holder


def _build() -> tuple[list[DemoHolder], list[DemoCertificate]]:
    rng = random.Random(SEED)
    b = _Builder(rng)
    persons: list[DemoHolder] = []
    # The first person is the one the demo and tests lean on: valid certificates in all four
    # regions, one revoked and one expired. Every region holds revoked and expired certificates.
    first = b.person("张伟", True, "SH", date(1985, 3, 12))
    persons.append(first)
    b.id_card(first)
    b.driving_licence(first, "JS")
    b.property_deed(first, "ZJ")
    b.property_deed(first, "AH")
    b.driving_licence(first, "SH", status=REVOKED)
    b.driving_licence(first, "ZJ", status=EXPIRED)
    second = b.person("李娜", False, "ZJ", date(1988, 9, 27))
    persons.append(second)
    b.id_card(second)
    b.marriage(first, second, "SH")
    b.driving_licence(second, "ZJ")
    b.property_deed(second, "JS", status=REVOKED)
    b.property_deed(second, "ZJ", status=REVOKED)

    used_names = {first.name, second.name}
    for index in range(22):
        male = index % 2 == 0
        while True:
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN_MALE if male else _GIVEN_FEMALE)
            if name not in used_names:
                used_names.add(name)
                break
        home = REGION_CODES[index % len(REGION_CODES)]
        birth = _date_between(rng, date(1960, 1, 1), date(2002, 12, 31))
        person = b.person(name, male, home, birth)
        persons.append(person)
        b.id_card(person, status=EXPIRED if index in (4, 17) else VALID)
        elsewhere = [code for code in REGION_CODES if code != home]
        if rng.random() < 0.8:
            b.driving_licence(person, rng.choice((home, *elsewhere)), status=EXPIRED if index == 9 else VALID)
        if rng.random() < 0.6:
            b.property_deed(person, rng.choice(elsewhere), status=REVOKED if index == 12 else VALID)
        if index % 7 == 3:
            b.driving_licence(person, rng.choice(elsewhere), status=REVOKED)
    # Couples among the generated persons, registered in various regions.
    for husband_index, wife_index in ((2, 3), (6, 9), (10, 15), (18, 21)):
        region = REGION_CODES[(husband_index + wife_index) % len(REGION_CODES)]
        b.marriage(persons[husband_index], persons[wife_index], region)

    for index in range(10):
        home = REGION_CODES[index % len(REGION_CODES)]
        word = _COMPANY_WORDS[index % len(_COMPANY_WORDS)]
        trade = index % len(_COMPANY_TRADES)
        company = b.company(word, trade, home, persons[(index * 3) % len(persons)])
        b.business_licence(company, status=REVOKED if index == 7 else VALID)
        elsewhere = [code for code in REGION_CODES if code != home]
        if trade in (1, 3):
            b.food_permit(company, home)
            b.food_permit(company, rng.choice(elsewhere), status=EXPIRED if index == 5 else VALID)
        if trade == 2:
            b.construction_qualification(company, home)
            b.construction_qualification(company, rng.choice(elsewhere))
        if trade == 0:
            b.property_deed(company, rng.choice(elsewhere))
    # Added later, after everything above, so that the earlier data stays exactly as it was.
    for index, person in enumerate(persons):
        if person.code[6:10] >= "1996":
            mother = rng.choice(_SURNAMES) + rng.choice(_GIVEN_FEMALE)
            father = (
                person.name[0] + rng.choice(_GIVEN_MALE)
                if index % 2 == 0
                else rng.choice(_SURNAMES) + rng.choice(_GIVEN_MALE)
            )
            b.birth_certificate(person, mother, father)
    b.social_organisation("上海市软件行业协会", "SH", persons[0], "行业自律、信息交流、业务培训、咨询服务")
    b.social_organisation("浙江省数字经济学会", "ZJ", persons[1], "学术交流、科普宣传、决策咨询、人才培养")
    return b.holders, b.certificates


DEMO_HOLDERS, DEMO_CERTIFICATES = _build()
#: The demo's leading natural person and company (certificates in several regions each).
DEMO_PERSON = DEMO_HOLDERS[0]
DEMO_COMPANY = next(h for h in DEMO_HOLDERS if h.kind == COMPANY)


def holder_by_code(code: str) -> DemoHolder:
    return next(h for h in DEMO_HOLDERS if h.code == code)


def certificates_of(holder: DemoHolder, region: str | None = None) -> list[DemoCertificate]:
    return [
        c
        for c in DEMO_CERTIFICATES
        if c.holder_code == holder.code
        and c.holder_code_type == holder.code_type
        and (region is None or c.region == region)
    ]


def certificates_for_region(region: str) -> list[DemoCertificate]:
    return [c for c in DEMO_CERTIFICATES if c.region == region]


def regions_of(holder: DemoHolder, *, valid_only: bool = True) -> set[str]:
    return {c.region for c in certificates_of(holder) if not valid_only or c.status == VALID}


# ---------------------------------------------------------------------- the node's demo administrator

#: The superuser of each demo node's admin pages (``/admin/``), created by the demo launcher
#: (``ysj_portal.demo``) and printed with the other demo accounts.
NODE_ADMIN = "node_admin"
NODE_ADMIN_PASSWORD = "ysj-demo-2026"  # noqa: S105 - demo only, the same as the hub's demo accounts


def ensure_node_superuser() -> None:
    """Create the demo node superuser, or reset its password; runs inside a node's own process.

    Django is imported here only, so that this module stays readable without it.
    """
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=NODE_ADMIN)
    user.is_active = user.is_staff = user.is_superuser = True
    user.set_password(NODE_ADMIN_PASSWORD)
    user.save()
