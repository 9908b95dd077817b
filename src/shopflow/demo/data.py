"""The demo company: a small apparel brand selling T-shirts and hoodies online, buying from
knitting mills in Hangzhou, Suzhou and Guangzhou. Plain data; loader.py turns it into rows
and documents."""

from decimal import Decimal

# Every demo document's remarks start with this; its presence marks a demo database.
MARK = "【演示】"

DEMO_PASSWORD = "demo1234"
# Demo users are recognised by this e-mail domain (".invalid" never receives mail), so the
# demo never touches a real user who happens to be called "manager".
DEMO_EMAIL_DOMAIN = "demo.shopflow.invalid"
ADMIN_USERNAME = "admin"

# Chinese role names as in SPEC.md, printed next to the (translatable) English labels.
ROLE_NAMES_ZH = {
    "manager": "店长",
    "operations": "运营",
    "designer": "美工",
    "customer_service": "客服",
    "warehouse": "仓库",
    "purchasing": "采购",
    "planning": "计划 PMC",
    "finance": "财务",
    "sales": "业务",
    "legal": "法务",
}

SUPPLIERS = [
    # code, name, contact, phone, address
    ("HZ001", "杭州明丰针织服饰有限公司", "陈建国", "0571-82661358",
     "浙江省杭州市萧山区衙前镇明华路88号"),
    ("HZ002", "杭州临平恒源纺织品有限公司", "沈丽华", "0571-86213047",
     "浙江省杭州市临平区东湖街道兴中路196号"),
    ("SZ001", "苏州吴江盛泽恒达丝绸印染有限公司", "吴志强", "0512-63578812",
     "江苏省苏州市吴江区盛泽镇舜新中路355号"),
    ("GZ001", "广州市锦程制衣有限公司", "黄伟明", "020-36021597",
     "广东省广州市白云区太和镇大源北路62号"),
    ("GZ002", "广州中大布艺辅料商行", "林少芬", "13802256714",
     "广东省广州市海珠区瑞康路中大布匹市场B区128档"),
]

WAREHOUSES = [
    # code, name, kind
    ("RM01", "原材料仓", "raw"),
    ("FG01", "成品仓", "finished"),
    ("DF01", "不良品仓", "defective"),
    ("SC01", "外协仓（广州锦程）", "subcontractor"),
    ("SP01", "样品仓", "samples"),
]

SIZES = ("S", "M", "L", "XL")

# style code, name, [(colour code, colour name)], sizes, cost, list price
STYLES = [
    ("TX2401", "纯棉圆领T恤", [("BLK", "黑色"), ("WHT", "白色"), ("BLU", "雾霾蓝")], SIZES,
     Decimal("28.50"), Decimal("89.00")),
    ("WY2402", "加绒连帽卫衣", [("BLK", "黑色"), ("OAT", "燕麦色")], ("M", "L", "XL"),
     Decimal("62.00"), Decimal("199.00")),
]

# Raw materials bought by the metre for the subcontracted hoodies.
MATERIALS = [
    ("ML-JB180-WHT", "精梳棉汗布 180g", "本白", "米", Decimal("18.00")),
    ("ML-WQ320-BLK", "毛圈卫衣布 320g", "黑色", "米", Decimal("32.00")),
]

BARCODE_PREFIX = "6975321"  # 69x: GS1 China; the rest is made up
