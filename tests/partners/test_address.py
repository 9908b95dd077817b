"""parse_address on a table of real-looking addresses, the data file, and properties."""

import json
import subprocess
import sys
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopflow.partners.address import AddressProblemCode, parse_address

# (address, province, city, district, detail); "" = must not be determined.
OK = [
    # the four municipalities, with and without 市, with the repeated city some platforms print
    ("北京市朝阳区建国路88号SOHO现代城", "北京市", "北京市", "朝阳区", "建国路88号SOHO现代城"),
    ("北京朝阳区建国路88号", "北京市", "北京市", "朝阳区", "建国路88号"),
    ("北京 北京市 海淀区 中关村大街1号", "北京市", "北京市", "海淀区", "中关村大街1号"),
    ("北京市市辖区东城区王府井大街138号", "北京市", "北京市", "东城区", "王府井大街138号"),
    ("上海市浦东新区世纪大道100号", "上海市", "上海市", "浦东新区", "世纪大道100号"),
    ("上海黄浦区南京东路300号", "上海市", "上海市", "黄浦区", "南京东路300号"),
    ("上海 上海市 徐汇区 漕溪北路88号", "上海市", "上海市", "徐汇区", "漕溪北路88号"),
    ("天津市和平区南京路189号", "天津市", "天津市", "和平区", "南京路189号"),
    ("天津滨海新区第二大街57号", "天津市", "天津市", "滨海新区", "第二大街57号"),
    ("重庆市渝中区解放碑八一路177号", "重庆市", "重庆市", "渝中区", "解放碑八一路177号"),
    ("重庆城口县葛城街道北大街12号", "重庆市", "重庆市", "城口县", "葛城街道北大街12号"),
    ("重庆市 重庆市 江北区 观音桥步行街6号", "重庆市", "重庆市", "江北区", "观音桥步行街6号"),
    # provinces, full and short, with and without separators
    ("浙江省杭州市西湖区文三路90号", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("浙江杭州西湖区文三路90号", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("浙江省 杭州市 西湖区 文三路90号 东部软件园", "浙江省", "杭州市", "西湖区", "文三路90号 东部软件园"),
    ("浙江，杭州，西湖区，文三路90号", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("浙江省/杭州市/余杭区/五常街道文一西路969号", "浙江省", "杭州市", "余杭区", "五常街道文一西路969号"),
    ("中国浙江省宁波市鄞州区天童南路588号", "浙江省", "宁波市", "鄞州区", "天童南路588号"),
    ("广东省深圳市南山区粤海街道科技园科苑路15号", "广东省", "深圳市", "南山区", "粤海街道科技园科苑路15号"),
    ("江苏省南京市鼓楼区中山北路30号", "江苏省", "南京市", "鼓楼区", "中山北路30号"),
    ("四川成都武侯区人民南路四段1号", "四川省", "成都市", "武侯区", "人民南路四段1号"),
    ("黑龙江省哈尔滨市南岗区西大直街92号", "黑龙江省", "哈尔滨市", "南岗区", "西大直街92号"),
    # autonomous regions, full and short
    ("广西壮族自治区南宁市青秀区民族大道100号", "广西壮族自治区", "南宁市", "青秀区", "民族大道100号"),
    ("广西桂林市兴安县城南路3号", "广西壮族自治区", "桂林市", "兴安县", "城南路3号"),
    ("内蒙古呼和浩特市赛罕区大学西街235号", "内蒙古自治区", "呼和浩特市", "赛罕区", "大学西街235号"),
    ("内蒙古自治区锡林郭勒盟正蓝旗上都镇", "内蒙古自治区", "锡林郭勒盟", "正蓝旗", "上都镇"),
    ("新疆乌鲁木齐市天山区解放北路1号", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路1号"),
    ("新疆维吾尔自治区喀什地区喀什市人民东路", "新疆维吾尔自治区", "喀什地区", "喀什市", "人民东路"),
    ("宁夏银川市兴庆区解放西街2号", "宁夏回族自治区", "银川市", "兴庆区", "解放西街2号"),
    ("西藏拉萨市城关区北京中路", "西藏自治区", "拉萨市", "城关区", "北京中路"),
    ("西藏自治区日喀则市桑珠孜区上海中路", "西藏自治区", "日喀则市", "桑珠孜区", "上海中路"),
    # autonomous prefectures (自治州, short 州 forms), 盟, 地区, 县, 旗, county-level cities
    ("湖北省恩施土家族苗族自治州利川市清江大道", "湖北省", "恩施土家族苗族自治州", "利川市", "清江大道"),
    ("湖北恩施州利川市清江大道", "湖北省", "恩施土家族苗族自治州", "利川市", "清江大道"),
    ("云南西双版纳勐海县勐海镇", "云南省", "西双版纳傣族自治州", "勐海县", "勐海镇"),
    ("吉林省延边州延吉市光明街", "吉林省", "延边朝鲜族自治州", "延吉市", "光明街"),
    ("内蒙古鄂尔多斯市伊金霍洛旗阿勒腾席热镇", "内蒙古自治区", "鄂尔多斯市", "伊金霍洛旗", "阿勒腾席热镇"),
    ("黑龙江省大兴安岭地区漠河市北极村", "黑龙江省", "大兴安岭地区", "漠河市", "北极村"),
    ("浙江省金华市义乌市稠州北路1号", "浙江省", "金华市", "义乌市", "稠州北路1号"),
    ("河北省保定市涞水县涞水镇", "河北省", "保定市", "涞水县", "涞水镇"),
    ("江苏省苏州市昆山市前进中路", "江苏省", "苏州市", "昆山市", "前进中路"),
    # county-level cities directly under the province (省直辖县级行政区划) and cities without districts
    ("湖北省仙桃市沔阳大道1号", "湖北省", "仙桃市", "仙桃市", "沔阳大道1号"),
    ("河南济源市济源大道", "河南省", "济源市", "济源市", "济源大道"),
    ("海南省琼海市嘉积镇", "海南省", "琼海市", "琼海市", "嘉积镇"),
    ("新疆石河子市北一路", "新疆维吾尔自治区", "石河子市", "石河子市", "北一路"),
    ("广东省东莞市长安镇振安路", "广东省", "东莞市", "东莞市", "长安镇振安路"),
    ("广东 中山市 石岐街道孙文中路", "广东省", "中山市", "中山市", "石岐街道孙文中路"),
    ("甘肃省嘉峪关市雄关区", "甘肃省", "嘉峪关市", "嘉峪关市", "雄关区"),
    # postcodes
    ("310000 浙江省杭州市西湖区文三路90号", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("浙江省杭州市西湖区文三路90号(310000)", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("广东省 深圳市 南山区 科苑路15号 （518057）", "广东省", "深圳市", "南山区", "科苑路15号"),
    ("浙江省杭州市西湖区文三路90号 邮编：310012", "浙江省", "杭州市", "西湖区", "文三路90号"),
    # districts that exist in several cities: the one under the written city / province wins
    ("吉林省长春市朝阳区人民大街", "吉林省", "长春市", "朝阳区", "人民大街"),
    ("福建福州鼓楼区五四路", "福建省", "福州市", "鼓楼区", "五四路"),
    ("江苏徐州鼓楼区中山北路", "江苏省", "徐州市", "鼓楼区", "中山北路"),
    ("江西省南昌市西湖区象山南路", "江西省", "南昌市", "西湖区", "象山南路"),
    ("辽宁省沈阳市铁西区兴华街", "辽宁省", "沈阳市", "铁西区", "兴华街"),
    # missing city level: the district is the only one of that name in the province
    ("浙江省西湖区文三路90号", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("江西省西湖区象山南路", "江西省", "南昌市", "西湖区", "象山南路"),
    ("浙江义乌市稠州北路1号", "浙江省", "金华市", "义乌市", "稠州北路1号"),
    # missing province: the city / district is unique nationwide
    ("杭州市西湖区文三路90号", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("吉林市昌邑区解放北路", "吉林省", "吉林市", "昌邑区", "解放北路"),
    ("海南藏族自治州共和县恰卜恰镇", "青海省", "海南藏族自治州", "共和县", "恰卜恰镇"),
    ("新疆巴州库尔勒市人民东路", "新疆维吾尔自治区", "巴音郭楞蒙古自治州", "库尔勒市", "人民东路"),
    # short district names only before a separator
    ("浙江 杭州 西湖 文三路90号", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("湖北 恩施 利川 清江大道", "湖北省", "恩施土家族苗族自治州", "利川市", "清江大道"),
    # full-width characters
    ("浙江省杭州市西湖区文三路９０号（３１００００）", "浙江省", "杭州市", "西湖区", "文三路90号"),
    # Hong Kong, Macao, Taiwan (names only)
    ("香港九龙油尖旺区弥敦道100号", "香港特别行政区", "九龙", "油尖旺区", "弥敦道100号"),
    ("台湾省台北市大安区忠孝东路", "台湾省", "台北市", "大安区", "忠孝东路"),
]


@pytest.mark.parametrize(("text", "province", "city", "district", "detail"), OK, ids=[row[0][:14] for row in OK])
def test_parses(text, province, city, district, detail):
    parsed = parse_address(text)
    assert parsed.problems == (), parsed.problems
    assert parsed.ok
    assert (parsed.province, parsed.city, parsed.district, parsed.detail) == (province, city, district, detail)


# (address, problem code, province, city) — never a silent guess.
PROBLEMS = [
    ("", AddressProblemCode.EMPTY, "", ""),
    ("   ，", AddressProblemCode.EMPTY, "", ""),
    ("asdf 1234 !!", AddressProblemCode.PROVINCE_UNKNOWN, "", ""),
    ("张三 13800138000 浙江省杭州市西湖区", AddressProblemCode.PROVINCE_UNKNOWN, "", ""),
    ("文三路90号东部软件园", AddressProblemCode.PROVINCE_UNKNOWN, "", ""),
    ("西湖区文三路90号", AddressProblemCode.AMBIGUOUS, "", ""),  # 杭州 or 南昌
    ("朝阳区建国路88号", AddressProblemCode.AMBIGUOUS, "", ""),  # 北京 or 长春
    ("鼓楼区中山北路", AddressProblemCode.AMBIGUOUS, "", ""),
    ("辽宁省铁西区兴华街", AddressProblemCode.AMBIGUOUS, "辽宁省", ""),  # 沈阳 or 鞍山
    ("浙江省杭州市文三路90号", AddressProblemCode.DISTRICT_UNKNOWN, "浙江省", "杭州市"),
    ("北京市建国路88号", AddressProblemCode.DISTRICT_UNKNOWN, "北京市", "北京市"),
    ("重庆解放碑八一路", AddressProblemCode.DISTRICT_UNKNOWN, "重庆市", "重庆市"),
    ("浙江省文三路90号", AddressProblemCode.CITY_UNKNOWN, "浙江省", ""),
    ("浙江省南京市鼓楼区中山北路", AddressProblemCode.CITY_UNKNOWN, "浙江省", ""),  # wrong province: not "corrected"
    ("黑龙大庆市红岗区", AddressProblemCode.PROVINCE_UNKNOWN, "", ""),
]


@pytest.mark.parametrize(("text", "code", "province", "city"), PROBLEMS,
                         ids=[row[0][:12] or "empty" for row in PROBLEMS])
def test_reports_what_it_cannot_determine(text, code, province, city):
    parsed = parse_address(text)
    assert not parsed.ok
    assert [p.code for p in parsed.problems] == [code]
    assert parsed.problems[0].message
    assert (parsed.province, parsed.city, parsed.district) == (province, city, "")


def test_ambiguity_names_the_candidates():
    message = parse_address("西湖区文三路90号").problems[0].message
    assert "浙江省杭州市西湖区" in message and "江西省南昌市西湖区" in message


def test_codes_postcode_and_inference():
    parsed = parse_address("310000 浙江省西湖区文三路90号")
    assert parsed.codes == ("33", "3301", "330106")
    assert parsed.postcode == "310000"
    assert parsed.inferred == ("city",)
    assert parsed.region == "浙江省 杭州市 西湖区"
    assert parse_address("吉林市昌邑区").inferred == ("province",)
    assert parse_address("浙江省杭州市西湖区").inferred == ()
    assert parse_address("湖北省仙桃市").inferred == ()  # the province-administered city is its own city level


def test_municipality_codes():
    assert parse_address("北京市东城区").codes == ("11", "1101", "110101")
    assert parse_address("重庆市城口县").codes == ("50", "5002", "500229")  # 重庆's counties sit under 5002 (县)
    assert parse_address("重庆市渝中区").codes == ("50", "5001", "500103")
    assert parse_address("香港九龙油尖旺区").codes == ("81", "", "")


def _divisions():
    return json.loads(resources.files("shopflow.partners").joinpath("data", "divisions_cn.json").read_text("utf-8"))


def test_data_file():
    data = _divisions()
    assert data["source"]["commit"] == "57a0aa9cef47169a2eb74cf057b0245052a34e8c"
    assert data["source"]["licence"] == "WTFPL"
    assert (len(data["provinces"]), len(data["cities"]), len(data["districts"])) == (31, 342, 2978)
    assert all(code[:2] in data["provinces"] for code in data["cities"])
    assert all(code[:4] in data["cities"] for code in data["districts"])


def test_every_district_parses_from_its_full_names():
    """All 2,978 county-level divisions, written out in full, come back with their own code."""
    data = _divisions()
    failures = []
    for code, name in data["districts"].items():
        province, city = data["provinces"][code[:2]], data["cities"][code[:4]]
        city = "" if city in ("市辖区", "县") or city.endswith("直辖县级行政区划") else city
        parsed = parse_address(f"{province}{city}{name}幸福路1号")
        if parsed.district_code != code or parsed.detail != "幸福路1号":
            failures.append((code, name, parsed.codes, [str(p) for p in parsed.problems]))
    assert failures == []


def test_data_is_loaded_lazily():
    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shopflow.settings')\n"
        "import django; django.setup()\n"
        "from shopflow.partners import address\n"
        "assert address._tables.cache_info().currsize == 0\n"
        "address.parse_address('北京市东城区'); address.parse_address('上海市黄浦区')\n"
        "info = address._tables.cache_info(); assert (info.currsize, info.misses) == (1, 1), info\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("北京上海市浙江省杭州西湖区县旗州自治 ,，()0123456789号路-中国重庆吉林"),
               max_size=30))
def test_never_raises_and_problems_match_missing_levels(text):
    parsed = parse_address(text)
    complete = bool(parsed.province and parsed.city and parsed.district)
    assert parsed.ok == complete


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text(text):
    parse_address(text)


@pytest.mark.parametrize("text", ["中山路18号", "南京路100号", "苏州街3号院"])
def test_a_street_named_after_a_city_is_not_that_city(text):
    parsed = parse_address(text)
    assert parsed.province == "" and parsed.problems


def test_a_street_named_after_a_city_after_the_real_city():
    parsed = parse_address("江苏省南京市玄武区中山路18号")
    assert (parsed.province, parsed.city, parsed.district) == ("江苏省", "南京市", "玄武区")
    assert parsed.detail == "中山路18号"
