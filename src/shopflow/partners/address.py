"""Chinese shipping addresses → province / city / district (省 / 市 / 区县) + the rest.

``parse_address("浙江杭州西湖区文三路90号")`` returns a :class:`ParsedAddress` with the three
administrative levels, their NBS codes, the detail text and — when a level cannot be determined
with certainty — a list of problems. The parser never guesses: a level is filled only when the
text names it, or when exactly one division fits what the text does name (e.g. "浙江省西湖区" →
杭州市, the only 西湖区 in Zhejiang; that inference is recorded in ``inferred``).

Data: ``data/divisions_cn.json`` (NBS 2023 codes, see ``data/README.md``) and
``data/hk_mo_tw.json`` (names only). Both are read on first use and kept for the process.

How it works: the text is normalised (NFKC, so full-width digits and punctuation become ASCII;
"中国" and postcodes are taken off), then every way of reading "[province][city][district]" from
the start of the text is tried — each level may be a full name, a short name or missing — and the
reading that explains the most characters wins. If several readings explain the same number of
characters and disagree, the address is reported as ambiguous.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from django.utils.translation import gettext as _

from shopflow.partners.error_codes import AddressProblemCode

MUNICIPALITIES = frozenset({"11", "12", "31", "50"})  # 北京 天津 上海 重庆

# Province short names that are not just "the full name minus 省/市".
_PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}
# GB/T 2260 province codes of the regions that only come with names (HK-MO-TW.json).
_HK_MO_TW_CODES = {"香港特别行政区": "81", "澳门特别行政区": "82", "台湾省": "71"}
# Abbreviations used for a few autonomous prefectures (自治州) that the regular rule does not produce.
_CITY_EXTRA_ALIASES = {"博尔塔拉蒙古自治州": ("博州",), "巴音郭楞蒙古自治州": ("巴州",),
                       "克孜勒苏柯尔克孜自治州": ("克州",)}
# Ethnic groups named in autonomous prefectures/counties/banners, so that "恩施土家族苗族自治州" → "恩施".
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 "
    "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 "
    "保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
_ETHNIC_RE = "|".join(sorted(_ETHNIC, key=len, reverse=True))
_AUTONOMOUS_RE = re.compile(rf"^(.+?)(?:(?:{_ETHNIC_RE})族?)+自治([州县旗])$")
_PSEUDO_CITY_SUFFIX = "直辖县级行政区划"  # "省直辖县级行政区划": county-level cities directly under a province

# Between the levels: whitespace and the usual list punctuation (after NFKC).
_SEPARATORS = frozenset(" \t\r\n,;、/|-_:·")
_COUNTRY_PREFIX = re.compile(r"^\s*(?:中华人民共和国|中国大陆|中国)\s*")
_LEADING_POSTCODE = re.compile(r"^\s*(?:邮编|邮政编码)?:?\s*(\d{6})(?!\d)[\s,;]*", re.ASCII)
_TRAILING_POSTCODE = re.compile(
    r"[\s,;]*(?:\(\s*(?:邮编|邮政编码)?:?\s*(\d{6})\s*\)"  # (310000), (邮编:310000)
    r"|(?:邮编|邮政编码):?\s*(\d{6})"  # 邮编:310000
    r"|(?<=[\s,;])(\d{6}))"  # a bare 6-digit group after a separator
    r"[\s,;。.]*$",
    re.ASCII,
)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class AddressProblem:
    code: AddressProblemCode
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """The result of :func:`parse_address`; levels that could not be determined are ""."""

    text: str
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""
    postcode: str = ""
    province_code: str = ""
    city_code: str = ""
    district_code: str = ""
    inferred: tuple[str, ...] = ()  # levels not written in the text but implied ("province", "city")
    problems: tuple[AddressProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def codes(self) -> tuple[str, str, str]:
        """NBS codes (2/4/6 digits). Hong Kong, Macao and Taiwan have a province code only."""
        return self.province_code, self.city_code, self.district_code

    @property
    def region(self) -> str:
        """"浙江省 杭州市 西湖区" (municipalities: "北京市 北京市 东城区", as platforms print it)."""
        return " ".join(p for p in (self.province, self.city, self.district) if p)


# --------------------------------------------------------------------------- data


@dataclass(eq=False, slots=True)
class _Division:
    level: int  # 1 province, 2 city, 3 district
    code: str
    name: str
    parent: _Division | None = None
    children: list[_Division] = field(default_factory=list)
    pseudo: bool = False  # 省直辖县级行政区划: the city level is the district itself
    top: _Division | None = None  # the province (self for a province)

    def __post_init__(self) -> None:
        self.top = self if self.parent is None else self.parent.top

    @property
    def display(self) -> str:
        if self.level == 2 and self.parent is not None and self.parent.code in MUNICIPALITIES:
            return self.parent.name  # 市辖区 / 县 of a municipality → 北京市
        return self.name

    def __repr__(self) -> str:
        return f"<{self.code or '-'} {self.name}>"


@dataclass(slots=True)
class _Index:
    """alias → divisions, plus the alias lengths present per first character (for prefix lookups)."""

    names: dict[str, tuple[_Division, ...]] = field(default_factory=dict)
    lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def add(self, alias: str, division: _Division) -> None:
        hits = self.names.get(alias, ())
        if division not in hits:
            self.names[alias] = (*hits, division)

    def freeze(self) -> None:
        by_first: dict[str, set[int]] = {}
        for alias in self.names:
            by_first.setdefault(alias[0], set()).add(len(alias))
        self.lengths = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in by_first.items()}

    def prefixes(self, text: str, pos: int) -> Iterable[tuple[int, tuple[_Division, ...]]]:
        """(length, divisions) of every alias that starts ``text`` at ``pos``, longest first."""
        if pos >= len(text):
            return ()
        out = []
        room = len(text) - pos
        for n in self.lengths.get(text[pos], ()):
            if n > room:
                continue
            hits = self.names.get(text[pos:pos + n])
            if hits:
                out.append((n, hits))
        return out


@dataclass(slots=True)
class _Tables:
    provinces: _Index
    cities: _Index
    districts: _Index
    district_shorts: _Index  # only accepted when a separator or the end of the text follows


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _autonomous_short(name: str) -> str | None:
    m = _AUTONOMOUS_RE.match(name)
    return m.group(1) if m and len(m.group(1)) >= 2 else None


def _city_aliases(city: _Division) -> set[str]:
    name, province = city.name, city.parent
    assert province is not None
    if province.code in MUNICIPALITIES:
        short = province.name.removesuffix("市")
        return {province.name, short, "市辖区"} if name == "市辖区" else {province.name, short}
    if city.pseudo:
        return {name, province.name[:-1] + _PSEUDO_CITY_SUFFIX} if name.endswith(_PSEUDO_CITY_SUFFIX) else {name}
    aliases = {name, *_CITY_EXTRA_ALIASES.get(name, ())}
    short = _autonomous_short(name)
    if short:
        aliases |= {short, short + "州"} if name.endswith("自治州") else {short}
    for suffix in ("地区", "市", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            aliases.add(name[: -len(suffix)])
    return aliases


def _district_shorts(name: str) -> set[str]:
    short = _autonomous_short(name)
    if short:
        return {short}
    for suffix in ("新区", "矿区", "林区", "特区", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return {name[: -len(suffix)]}
    return set()


def _load_json(name: str):
    return json.loads(resources.files("shopflow.partners").joinpath("data", name).read_text(encoding="utf-8"))


@cache
def _tables() -> _Tables:
    data = _load_json("divisions_cn.json")
    provinces = {code: _Division(1, code, name) for code, name in data["provinces"].items()}
    cities: dict[str, _Division] = {}
    for code, name in data["cities"].items():
        parent = provinces[code[:2]]
        cities[code] = city = _Division(2, code, name, parent, pseudo=name.endswith(_PSEUDO_CITY_SUFFIX))
        parent.children.append(city)
    districts: list[_Division] = []
    for code, name in data["districts"].items():
        parent = cities[code[:4]]
        district = _Division(3, code, name, parent)
        parent.children.append(district)
        districts.append(district)
    for province_name, region in _load_json("hk_mo_tw.json").items():
        province = provinces[province_name] = _Division(1, _HK_MO_TW_CODES.get(province_name, ""), province_name)
        for city_name, district_names in region.items():
            city = _Division(2, "", _nfkc(city_name), province)
            province.children.append(city)
            for district_name in district_names:
                district = _Division(3, "", _nfkc(district_name), city)
                city.children.append(district)
                districts.append(district)

    t = _Tables(_Index(), _Index(), _Index(), _Index())
    for province in provinces.values():
        name = province.name
        short = _PROVINCE_SHORT.get(name) or name.removesuffix("省").removesuffix("市")
        for alias in {name, short, short + ("市" if province.code in MUNICIPALITIES else "省")}:
            t.provinces.add(alias, province)
        if name in ("香港特别行政区", "澳门特别行政区"):
            t.provinces.add(short + "特区", province)
        if name == "内蒙古自治区":
            t.provinces.add("内蒙", province)  # colloquial, common in buyers' addresses
        for city in province.children:
            aliases = _city_aliases(city) if city.code else {city.name, city.name.removesuffix("市")}
            for alias in aliases:
                t.cities.add(alias, city)
    for district in districts:
        t.districts.add(district.name, district)
        base = re.sub(r"\(.*\)$", "", district.name)  # 嘉模堂区(氹仔) → 嘉模堂区
        if base != district.name:
            t.districts.add(base, district)
        for alias in _district_shorts(base):
            t.district_shorts.add(alias, district)
    for index in (t.provinces, t.cities, t.districts, t.district_shorts):
        index.freeze()
    return t


# --------------------------------------------------------------------------- parsing


# What follows a place name when it names a street instead: 中山路, 南京路, 苏州街. (北京大街
# still reads as 北京 with no district, so it is flagged for confirmation.)
_STREET_WORDS = frozenset("路街巷弄道")


def _skip_separators(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SEPARATORS:
        pos += 1
    return pos


def _clean(text: str) -> tuple[str, str]:
    """NFKC-normalised text without country prefix and postcode; returns (text, postcode)."""
    s = _nfkc(text).strip()
    s = _COUNTRY_PREFIX.sub("", s)
    postcode = ""
    m = _LEADING_POSTCODE.match(s)
    if m:
        postcode, s = m.group(1), s[m.end():]
    m = _TRAILING_POSTCODE.search(s)
    if m:
        postcode = postcode or next(g for g in m.groups() if g)
        s = s[: m.start()]
    return _COUNTRY_PREFIX.sub("", s), postcode


@dataclass(slots=True)
class _Reading:
    consumed: int  # characters explained by division names
    end: int  # where the detail starts
    province: _Division | None
    cities: tuple[_Division, ...]
    districts: tuple[_Division, ...]


def _readings(text: str, t: _Tables) -> list[_Reading]:
    start = _skip_separators(text, 0)
    out: list[_Reading] = []
    district_memo: dict[tuple[int, bool], list[tuple[int, tuple[_Division, ...]]]] = {}

    def district_prefixes(pos: int, shorts: bool) -> list[tuple[int, tuple[_Division, ...]]]:
        """Full names; short names ("西湖" for 西湖区) only after a province or city and before a separator."""
        hits = district_memo.get((pos, shorts))
        if hits is None:
            hits = district_memo[pos, shorts] = [*t.districts.prefixes(text, pos), *(
                (n, ds) for n, ds in (t.district_shorts.prefixes(text, pos) if shorts else ())
                if pos + n == len(text) or text[pos + n] in _SEPARATORS
            )]
        return hits

    province_options: list[tuple[int, _Division | None]] = [
        (n, p) for n, hits in t.provinces.prefixes(text, start) for p in hits
    ]
    province_options.append((0, None))
    for p_len, province in province_options:
        pos1 = _skip_separators(text, start + p_len) if province else start
        city_options: list[tuple[int, tuple[_Division, ...]]] = []
        for n, hits in t.cities.prefixes(text, pos1):
            fit = hits if province is None else tuple(c for c in hits if c.parent is province)
            if fit:
                city_options.append((n, fit))
        city_options.append((0, ()))
        for c_len, cities in city_options:
            pos2 = _skip_separators(text, pos1 + c_len) if cities else pos1
            district_options: list[tuple[int, tuple[_Division, ...]]] = []
            for n, hits in district_prefixes(pos2, bool(cities) or province is not None):
                if cities:
                    fit = tuple(d for d in hits if d.parent in cities)
                elif province is not None:
                    fit = tuple(d for d in hits if d.top is province)
                else:
                    fit = hits
                if fit:
                    district_options.append((n, fit))
            district_options.append((0, ()))
            for d_len, districts in district_options:
                consumed = p_len + c_len + d_len
                if consumed == 0:
                    continue
                end = pos2 + d_len if districts else (pos1 + c_len if cities else start + p_len)
                if end < len(text) and text[end] in _STREET_WORDS:
                    continue  # 中山路, 南京东路, 北京街: a street named after a place, not the place
                out.append(_Reading(consumed, end, province, cities, districts))
    return out


def _triples(r: _Reading) -> set[tuple[_Division, _Division | None, _Division | None]]:
    """Every (province, city, district) the reading allows; city/district None = not determined."""
    if r.districts:
        return {(d.top, d.parent, d) for d in r.districts}  # type: ignore[misc]
    if r.cities:
        out = set()
        for c in r.cities:
            assert c.parent is not None
            if c.parent.code in MUNICIPALITIES:  # 重庆's 市辖区 / 县 are one city to the reader: the district decides
                out.add((c.parent, None, None))
            else:  # 东莞市, 中山市, 儋州市, 嘉峪关市 have no districts: the city is its own county level
                out.add((c.parent, c, c.children[0] if len(c.children) == 1 else None))
        return out
    assert r.province is not None
    return {(r.province, None, None)}


def _label(province: _Division, city: _Division | None, district: _Division | None) -> str:
    parts = [province.name]
    if city is not None and not city.pseudo and province.code not in MUNICIPALITIES:
        parts.append(city.display)
    if district is not None:
        parts.append(district.name)
    return "".join(parts)


def parse_address(text: str) -> ParsedAddress:
    """Split a Chinese address into province / city / district / detail; see the module docstring."""
    original = text or ""
    cleaned, postcode = _clean(original)
    if not cleaned.strip("".join(_SEPARATORS)):
        return ParsedAddress(original, postcode=postcode,
                             problems=(AddressProblem(AddressProblemCode.EMPTY, _("The address is empty.")),))
    readings = _readings(cleaned, _tables())
    if not readings:
        return ParsedAddress(original, detail=_detail(cleaned, 0), postcode=postcode, problems=(AddressProblem(
            AddressProblemCode.PROVINCE_UNKNOWN,
            _("Could not find a province, city or district at the start of the address."),
        ),))
    best = max(r.consumed for r in readings)
    top = [r for r in readings if r.consumed == best]
    triples = set().union(*(_triples(r) for r in top))
    end = max(r.end for r in top)
    if len(triples) > 1:
        return _ambiguous(original, cleaned, postcode, triples, end)
    province, city, district = next(iter(triples))
    inferred: list[str] = []
    if all(r.province is None for r in top):
        inferred.append("province")

    if city is None and province.code in MUNICIPALITIES and district is None:
        # The municipality is its own city; the code is only known once the district is (重庆 has 市辖区 and 县).
        return _result(original, cleaned, postcode, end, province, None, None, inferred,
                       city_name=province.name, problem=AddressProblem(
                           AddressProblemCode.DISTRICT_UNKNOWN,
                           _("Could not find the district of %(city)s in the address.") % {"city": province.name}))
    if district is not None and all(not r.cities for r in top) and province.code not in MUNICIPALITIES:
        assert district.parent is not None
        if not district.parent.pseudo:
            inferred.append("city")
        city = district.parent
    if city is None:
        return _result(original, cleaned, postcode, end, province, None, None, inferred, problem=AddressProblem(
            AddressProblemCode.CITY_UNKNOWN,
            _("Could not find the city in %(province)s in the address.") % {"province": province.name}))
    if district is None:
        return _result(original, cleaned, postcode, end, province, city, None, inferred, problem=AddressProblem(
            AddressProblemCode.DISTRICT_UNKNOWN,
            _("Could not find the district of %(city)s in the address.") % {"city": city.display}))
    return _result(original, cleaned, postcode, end, province, city, district, inferred)


def _detail(cleaned: str, end: int) -> str:
    return _SPACES.sub(" ", cleaned[end:]).strip(" ,;、/|-_:")


def _result(original: str, cleaned: str, postcode: str, end: int, province: _Division,
            city: _Division | None, district: _Division | None, inferred: list[str], *,
            city_name: str = "", problem: AddressProblem | None = None) -> ParsedAddress:
    if city is not None:
        city_name = district.name if city.pseudo and district is not None else city.display
    return ParsedAddress(
        original,
        province=province.name,
        city=city_name,
        district=district.name if district else "",
        detail=_detail(cleaned, end),
        postcode=postcode,
        province_code=province.code,
        city_code=city.code if city else "",
        district_code=district.code if district else "",
        inferred=tuple(inferred),
        problems=(problem,) if problem else (),
    )


def _ambiguous(original: str, cleaned: str, postcode: str,
               triples: set[tuple[_Division, _Division | None, _Division | None]], end: int) -> ParsedAddress:
    labels = sorted({_label(*t) for t in triples})
    shown = "、".join(labels[:6]) + ("…" if len(labels) > 6 else "")
    provinces = {t[0] for t in triples}
    cities = {t[1] for t in triples}
    province = next(iter(provinces)) if len(provinces) == 1 else None
    city = next(iter(cities)) if province is not None and len(cities) == 1 else None
    return ParsedAddress(
        original,
        province=province.name if province else "",
        city=city.display if city is not None and not city.pseudo else "",
        province_code=province.code if province else "",
        city_code=city.code if city is not None else "",
        detail=_detail(cleaned, end),
        postcode=postcode,
        problems=(AddressProblem(
            AddressProblemCode.AMBIGUOUS,
            _("The address could be in any of %(places)s; add the province and city.") % {"places": shown},
        ),),
    )
