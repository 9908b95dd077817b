"""The demo company: 杭州衣尚 — a small Hangzhou apparel brand that sells on Tmall, Taobao and
Douyin and to B2B customers, distributors and agents. It buys most finished goods from garment
factories, has a few styles sewn, printed and washed by subcontractors 外协厂 from its own
fabric, and makes a few in its sample room. Plain data; loader.py turns it into rows and
documents through the services.

Product names: written for this demo in the style of Taobao/Tmall listing titles (material +
fit + style + who it is for). The real listings under /work/shared/data/real/china_ecommerce
(Taobao/Tmall cosmetics titles, Nov 2016, from GitHub makisekurisuDDL/Data_analysis) were
considered: they hold no apparel, and their README says no licence is stated and they are for
internal testing only, not to be redistributed — so none of their text is used here.
Addresses are real streets and districts (they must parse; partners.address uses NBS 2023
division codes), with made-up house numbers, companies and people.
"""

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

# ---------------------------------------------------------------- partners

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
    ("YW001", "义乌市宏达服装辅料有限公司", "楼建华", "0579-85412367",
     "浙江省金华市义乌市稠江街道杨村路300号"),
    ("WZ001", "温州市瓯海精工拉链厂", "潘志勇", "0577-86523140",
     "浙江省温州市瓯海区梧田街道南湖路66号"),
    ("SZ002", "深圳市鑫彩包装制品有限公司", "郑晓燕", "0755-27631598",
     "广东省深圳市宝安区石岩街道宝石东路126号"),
]

WAREHOUSES = [
    # code, name, kind — subcontractors' warehouses (WX-…) are made by inventory for each 外协厂
    ("RM01", "原料仓", "raw"),
    ("FG01", "成品仓", "finished"),
    ("DF01", "次品仓", "defective"),
    ("SP01", "样品仓", "samples"),
]

CUSTOMERS = [
    # code, name, kind, contact, mobile, phone, address, region, level, credit limit, terms (days),
    # deposit %, first-order minimum, remarks
    ("KH0001", "tb_小鹿乱撞2019（天猫买家）", "retail", "林晓雨", "138****6621", "",
     "北京市海淀区中关村大街27号中关村大厦1208室", "", None, 0, 0, 0, None, "天猫旗舰店老客，偏好宽松款"),
    ("KH0002", "抖音买家·阿May", "retail", "王美", "15921876543", "",
     "上海市徐汇区漕溪北路88号圣爱大厦1602", "", None, 0, 0, 0, None, "直播间下单"),
    ("KH0003", "jd_4f82a9c（京东买家）", "retail", "赵一鸣", "13322889911", "",
     "广东省深圳市南山区高新南七道R2-B栋", "", None, 0, 0, 0, None, ""),
    ("KH0101", "杭州衣尚优选服饰有限公司", "b2b", "周敏", "13757123456", "0571-87654321",
     "浙江省杭州市余杭区五常街道文一西路998号", "华东", None, 80000, 30, 30, None, "线下买手店，月结"),
    ("KH0102", "天津滨海优品商贸有限公司", "b2b", "刘洋", "13820223344", "022-66281234",
     "天津市滨海新区第三大街51号泰达广场B座", "华北", None, 50000, 45, 20, None, "企业福利团购"),
    ("KH0103", "成都蓉城企业团购服务有限公司", "b2b", "张丽", "18980001234", "028-85331122",
     "四川省成都市武侯区天府大道北段1700号环球中心E1区", "西南", None, 100000, 60, 30, None,
     "工作服定制，先付30%定金"),
    ("KH0201", "武汉汉正街小蜜蜂服饰批发部", "distributor", "胡春花", "17771234567", "",
     "湖北省武汉市硚口区汉正街1号", "华中", 1, 30000, 15, 0, None, "一级分销商"),
    ("KH0202", "广州十三行潮流前线服饰档口", "distributor", "梁家豪", "13600001111", "",
     "广东省广州市越秀区十三行路1号", "华南", 2, 10000, 0, 0, None, "二级分销，现款现货"),
    ("KH0301", "重庆渝中小雅服饰代理店", "agent", "何雅", "13983001234", "",
     "重庆市渝中区八一路177号", "西南", 1, 0, 0, 0, None, "首批进货不少于4000元"),
    ("KH0302", "沈阳中街潮牌代理店", "agent", "孙博", "13940001234", "",
     "辽宁省沈阳市沈河区中街路128号", "东北", 2, 0, 0, 0, Decimal("6000"), "二级代理，首单6000元"),
]

SUBCONTRACTORS = [
    # code, name, contact, phone, address, processing categories
    ("WX001", "东莞市虎门镇锦华制衣厂", "李锦华", "0769-85123456", "广东省东莞市虎门镇连升中路168号",
     ["CUT", "SEW", "FINISH"]),
    ("WX002", "杭州萧山衙前印绣加工厂", "沈国强", "13905712345", "浙江省杭州市萧山区衙前镇项漾路58号",
     ["PRINT", "EMBROIDER"]),
    ("WX003", "广州新塘牛仔水洗厂", "黄志明", "020-82701234", "广东省广州市增城区新塘镇港口大道318号",
     ["WASH", "SEW", "DYE"]),
]

# ---------------------------------------------------------------- catalogue

CATEGORIES = [
    # code, name, parent code
    ("FZ", "服装", None),
    ("FZ01", "上装", "FZ"),
    ("FZ0101", "T恤", "FZ01"),
    ("FZ0102", "卫衣", "FZ01"),
    ("FZ0103", "衬衫", "FZ01"),
    ("FZ0104", "外套", "FZ01"),
    ("FZ0105", "针织衫", "FZ01"),
    ("FZ02", "下装", "FZ"),
    ("FZ0201", "牛仔裤", "FZ02"),
    ("FZ0202", "休闲裤", "FZ02"),
    ("FZ0203", "半身裙", "FZ02"),
    ("FZ03", "连衣裙", "FZ"),
    ("PS", "配饰", None),
    ("PS01", "帽子", "PS"),
    ("PS02", "袜子", "PS"),
    ("PS03", "包袋", "PS"),
    ("PS04", "腰带", "PS"),
    ("YF", "原辅料", None),
    ("YF01", "面料", "YF"),
    ("YF02", "辅料", "YF"),
    ("YF03", "包材", "YF"),
    ("YF04", "半成品", "YF"),
    ("TC", "套餐", None),
]

COLOURS = {
    "BLK": "黑色", "WHT": "白色", "GRY": "花灰", "NVY": "藏青", "BLU": "雾霾蓝", "KHK": "卡其色",
    "OAT": "燕麦色", "PNK": "樱花粉", "GRN": "牛油果绿", "RED": "酒红", "BRN": "咖啡色", "APR": "杏色",
    "BEI": "米白", "YEL": "奶黄", "PUR": "香芋紫", "LBL": "浅蓝", "MBL": "中蓝", "DBL": "深蓝",
}

SIZES = ("S", "M", "L", "XL")
TOP5 = ("S", "M", "L", "XL", "XXL")
BIG = ("M", "L", "XL", "XXL")
BIG5 = ("M", "L", "XL", "XXL", "3XL")
WOMEN = ("S", "M", "L")
WAIST_W = ("25", "26", "27", "28", "29", "30")
WAIST_M = ("29", "30", "31", "32", "33", "34")
COLLAR = ("38", "39", "40", "41", "42", "43")
HEAD = ("56", "58", "60")
KNIT_HAT = ("54", "56", "58")
BELT = ("110", "115", "120", "125")

BOUGHT, MADE, OUTSOURCED = "bought", "made", "outsourced"

# style code, name, category, kind, colour codes, sizes, cost, list price, weight (kg)
STYLES = [
    # T恤
    ("TX2401", "纯棉圆领T恤", "FZ0101", BOUGHT, ("BLK", "WHT", "BLU"), SIZES, "28.50", "89.00", "0.20"),
    ("TX2402", "重磅纯棉宽松落肩短袖T恤男女同款", "FZ0101", OUTSOURCED, ("BLK", "WHT"), BIG, "32.00", "119.00",
     "0.28"),
    ("TX2403", "新疆长绒棉基础款圆领T恤女修身", "FZ0101", BOUGHT, ("WHT", "BLK", "PNK", "GRY"), SIZES, "25.00",
     "79.00", "0.18"),
    ("TX2404", "复古美式印花短袖T恤oversize", "FZ0101", BOUGHT, ("WHT", "BLK", "APR"), ("M", "L", "XL"), "35.00",
     "129.00", "0.25"),
    ("TX2405", "冰丝凉感速干运动T恤男", "FZ0101", BOUGHT, ("BLK", "GRY", "NVY"), BIG, "22.00", "69.00", "0.16"),
    ("TX2406", "华夫格长袖打底T恤女秋冬", "FZ0101", BOUGHT, ("BEI", "BLK", "BRN"), SIZES, "30.00", "99.00", "0.22"),
    ("TX2407", "商务翻领POLO衫男短袖", "FZ0101", BOUGHT, ("NVY", "WHT", "BLK"), BIG5, "45.00", "169.00", "0.26"),
    ("TX2408", "字母刺绣短袖T恤情侣装", "FZ0101", BOUGHT, ("WHT", "BLK", "GRN"), TOP5, "33.00", "109.00", "0.22"),
    # 卫衣
    ("WY2402", "加绒连帽卫衣", "FZ0102", OUTSOURCED, ("BLK", "OAT"), ("M", "L", "XL"), "62.00", "199.00", "0.65"),
    ("WY2403", "美式复古圆领卫衣男女同款秋季", "FZ0102", BOUGHT, ("GRY", "BLK", "NVY", "APR"), TOP5, "55.00",
     "179.00", "0.55"),
    ("WY2404", "半拉链立领卫衣女宽松", "FZ0102", BOUGHT, ("OAT", "GRN", "PNK"), SIZES, "58.00", "189.00", "0.52"),
    ("WY2405", "华夫格连帽卫衣开衫外套", "FZ0102", BOUGHT, ("GRY", "BLK"), BIG, "60.00", "199.00", "0.60"),
    ("WY2406", "重磅毛圈卫衣刺绣logo", "FZ0102", OUTSOURCED, ("BLK", "WHT", "RED"), BIG, "68.00", "229.00", "0.70"),
    ("WY2407", "秋冬加厚羊羔绒卫衣女", "FZ0102", BOUGHT, ("APR", "BRN"), SIZES, "72.00", "239.00", "0.75"),
    # 衬衫
    ("CS2401", "纯棉牛津纺长袖衬衫男", "FZ0103", OUTSOURCED, ("WHT", "BLU", "PNK"), TOP5, "48.00", "169.00",
     "0.30"),
    ("CS2402", "法式复古碎花衬衫女长袖", "FZ0103", BOUGHT, ("WHT", "BLU"), WOMEN, "42.00", "149.00", "0.20"),
    ("CS2403", "条纹宽松衬衫防晒衣女夏季", "FZ0103", BOUGHT, ("BLU", "PNK", "GRN"), SIZES, "38.00", "129.00",
     "0.22"),
    ("CS2404", "免烫商务白衬衫男修身", "FZ0103", BOUGHT, ("WHT", "BLU"), COLLAR, "55.00", "199.00", "0.30"),
    ("CS2405", "灯芯绒衬衫外套男秋冬", "FZ0103", BOUGHT, ("KHK", "BRN", "GRN"), BIG, "58.00", "189.00", "0.45"),
    # 外套
    ("WT2401", "短款连帽羽绒服女白鸭绒", "FZ0104", BOUGHT, ("BLK", "WHT", "GRN"), SIZES, "189.00", "599.00",
     "0.80"),
    ("WT2402", "水洗牛仔夹克外套男春秋", "FZ0104", OUTSOURCED, ("LBL", "DBL", "BLK"), BIG, "85.00", "269.00",
     "0.85"),
    ("WT2403", "双面羊绒大衣女中长款", "FZ0104", BOUGHT, ("KHK", "BLK", "GRY"), WOMEN, "420.00", "1299.00", "1.20"),
    ("WT2404", "户外冲锋衣三合一防风防水", "FZ0104", BOUGHT, ("BLK", "NVY", "GRN"), BIG5, "160.00", "459.00",
     "1.10"),
    ("WT2405", "工装夹克男宽松多口袋", "FZ0104", BOUGHT, ("KHK", "GRN", "BLK"), BIG, "98.00", "299.00", "0.90"),
    ("WT2406", "小香风粗花呢短外套女", "FZ0104", BOUGHT, ("BEI", "PNK", "BLK"), WOMEN, "135.00", "398.00", "0.60"),
    ("WT2407", "休闲宽松西装外套女", "FZ0104", BOUGHT, ("BLK", "KHK", "BEI"), SIZES, "110.00", "329.00", "0.70"),
    # 针织衫
    ("ZZ2401", "圆领纯色羊毛衫男打底", "FZ0105", BOUGHT, ("NVY", "GRY", "BLK", "RED"), BIG, "88.00", "269.00",
     "0.40"),
    ("ZZ2402", "慵懒风麻花开衫毛衣女", "FZ0105", BOUGHT, ("BEI", "APR", "GRN"), WOMEN, "75.00", "229.00", "0.55"),
    ("ZZ2403", "半高领针织打底衫女秋冬", "FZ0105", BOUGHT, ("BLK", "WHT", "BRN", "PUR"), SIZES, "39.00", "119.00",
     "0.25"),
    # 牛仔裤
    ("NZ2401", "高腰直筒牛仔裤女显瘦", "FZ0201", OUTSOURCED, ("LBL", "MBL", "DBL"), WAIST_W, "58.00", "199.00",
     "0.60"),
    ("NZ2402", "弹力修身小脚牛仔裤男", "FZ0201", BOUGHT, ("MBL", "DBL", "BLK"), WAIST_M, "65.00", "219.00", "0.65"),
    ("NZ2403", "阔腿拖地牛仔裤女", "FZ0201", BOUGHT, ("LBL", "MBL"), ("25", "26", "27", "28", "29"), "60.00",
     "209.00", "0.62"),
    ("NZ2404", "复古水洗宽松直筒牛仔裤男", "FZ0201", BOUGHT, ("LBL", "DBL", "GRY"), WAIST_M, "68.00", "229.00",
     "0.70"),
    ("NZ2405", "破洞九分牛仔裤女", "FZ0201", BOUGHT, ("LBL", "MBL"), ("25", "26", "27", "28", "29"), "55.00",
     "189.00", "0.55"),
    # 休闲裤
    ("XK2401", "冰丝垂感阔腿裤女", "FZ0202", BOUGHT, ("BLK", "GRY", "KHK"), SIZES, "36.00", "119.00", "0.30"),
    ("XK2402", "工装束脚裤男", "FZ0202", BOUGHT, ("KHK", "BLK", "GRN"), BIG, "52.00", "169.00", "0.50"),
    ("XK2403", "高腰直筒西装裤女", "FZ0202", BOUGHT, ("BLK", "GRY", "BEI"), SIZES, "48.00", "159.00", "0.40"),
    ("XK2404", "加绒运动卫裤男束脚", "FZ0202", OUTSOURCED, ("BLK", "GRY", "NVY"), BIG5, "45.00", "149.00", "0.55"),
    ("XK2405", "纯棉斜纹休闲长裤男直筒", "FZ0202", MADE, ("KHK", "NVY", "BLK"), WAIST_M, "50.00", "179.00",
     "0.50"),
    # 半身裙
    ("BQ2401", "高腰A字牛仔半身裙", "FZ0203", BOUGHT, ("LBL", "DBL"), WOMEN, "42.00", "139.00", "0.35"),
    ("BQ2402", "百褶半身裙中长款", "FZ0203", BOUGHT, ("BLK", "GRY", "GRN"), WOMEN, "38.00", "129.00", "0.30"),
    ("BQ2403", "缎面鱼尾半身裙", "FZ0203", BOUGHT, ("APR", "BLK", "GRN"), SIZES, "46.00", "159.00", "0.28"),
    ("BQ2404", "针织包臀半身裙", "FZ0203", MADE, ("BLK", "BRN"), WOMEN, "32.00", "99.00", "0.25"),
    # 连衣裙
    ("LQ2401", "法式碎花雪纺连衣裙夏季", "FZ03", OUTSOURCED, ("BLU", "PNK", "YEL"), SIZES, "68.00", "229.00", "0.30"),
    ("LQ2402", "赫本风收腰小黑裙", "FZ03", BOUGHT, ("BLK", "NVY"), SIZES, "78.00", "259.00", "0.35"),
    ("LQ2403", "针织长袖连衣裙秋冬", "FZ03", BOUGHT, ("GRY", "APR", "BRN"), WOMEN, "65.00", "219.00", "0.45"),
    ("LQ2404", "系带长款衬衫裙", "FZ03", BOUGHT, ("WHT", "BLU", "KHK"), SIZES, "58.00", "199.00", "0.35"),
    ("LQ2405", "度假风吊带连衣裙", "FZ03", BOUGHT, ("WHT", "GRN", "YEL"), WOMEN, "45.00", "159.00", "0.22"),
    # 配饰
    ("MZ2401", "刺绣棒球帽男女鸭舌帽", "PS01", BOUGHT, ("BLK", "WHT", "KHK", "NVY"), HEAD, "12.00", "59.00", "0.10"),
    ("MZ2402", "冬季针织毛线帽", "PS01", BOUGHT, ("BLK", "GRY", "RED", "BEI"), KNIT_HAT, "10.00", "49.00", "0.12"),
    ("MZ2403", "纯棉渔夫帽防晒", "PS01", BOUGHT, ("BLK", "BEI", "KHK"), HEAD, "14.00", "59.00", "0.10"),
    ("WZ2401", "纯棉中筒袜", "PS02", BOUGHT, ("BLK", "WHT", "GRY"), WOMEN, "3.50", "19.90", "0.04"),
    ("WZ2402", "硅胶防滑船袜隐形袜", "PS02", BOUGHT, ("BLK", "WHT", "BEI"), WOMEN, "2.20", "12.90", "0.03"),
    ("BB2401", "大容量帆布托特包", "PS03", BOUGHT, ("BEI", "BLK"), WOMEN, "18.00", "79.00", "0.35"),
    ("BB2402", "尼龙斜挎胸包腰包", "PS03", BOUGHT, ("BLK", "GRN"), WOMEN, "22.00", "89.00", "0.25"),
    ("YD2401", "头层牛皮自动扣腰带男", "PS04", BOUGHT, ("BLK", "BRN"), BELT, "45.00", "199.00", "0.30"),
]

# ---------------------------------------------------------------- raw materials 原辅料

# Fabrics 面料, by the metre. code, name, colour, cost per metre
FABRICS = [
    ("ML-JB180-WHT", "精梳棉汗布 180g", "本白", "18.00"),
    ("ML-JB180-BLK", "精梳棉汗布 180g", "黑色", "18.50"),
    ("ML-ZB260-WHT", "重磅精梳棉汗布 260g", "白色", "26.00"),
    ("ML-ZB260-BLK", "重磅精梳棉汗布 260g", "黑色", "26.50"),
    ("ML-WQ320-BLK", "毛圈卫衣布 320g", "黑色", "32.00"),
    ("ML-WQ320-OAT", "毛圈卫衣布 320g", "燕麦色", "32.00"),
    ("ML-WQ380-BLK", "重磅毛圈卫衣布 380g", "黑色", "38.00"),
    ("ML-WQ380-WHT", "重磅毛圈卫衣布 380g", "白色", "38.00"),
    ("ML-WQ380-RED", "重磅毛圈卫衣布 380g", "酒红", "39.00"),
    ("ML-JR300-BLK", "加绒卫衣布 300g", "黑色", "30.00"),
    ("ML-JR300-GRY", "加绒卫衣布 300g", "花灰", "30.00"),
    ("ML-JR300-NVY", "加绒卫衣布 300g", "藏青", "30.00"),
    ("ML-NJF-WHT", "纯棉牛津纺 40支", "白色", "22.00"),
    ("ML-NJF-BLU", "纯棉牛津纺 40支", "浅蓝", "22.00"),
    ("ML-NJF-PNK", "纯棉牛津纺 40支", "粉色", "22.00"),
    ("ML-NZ12-IND", "12安靛蓝弹力牛仔布", "靛蓝", "28.00"),
    ("ML-NZ12-BLK", "12安黑色牛仔布", "黑色", "29.00"),
    ("ML-XW-KHK", "纯棉斜纹布 21支", "卡其色", "20.00"),
    ("ML-XW-NVY", "纯棉斜纹布 21支", "藏青", "20.00"),
    ("ML-XW-BLK", "纯棉斜纹布 21支", "黑色", "20.00"),
    ("ML-XF-BLU", "碎花印花雪纺", "雾霾蓝", "16.00"),
    ("ML-XF-PNK", "碎花印花雪纺", "樱花粉", "16.00"),
    ("ML-XF-YEL", "碎花印花雪纺", "奶黄", "16.00"),
    ("ML-ZZ-BLK", "罗马针织布", "黑色", "24.00"),
    ("ML-ZZ-BRN", "罗马针织布", "咖啡色", "24.00"),
]

# Trims 辅料 and packaging 包材. code, name, unit, cost, category
TRIMS = [
    ("FL-KZ-18L", "树脂四眼纽扣 18L", "个", "0.08", "YF02"),
    ("FL-KZ-14L", "树脂四眼纽扣 14L", "个", "0.06", "YF02"),
    ("FL-GZK-17", "金属工字扣 17mm", "个", "0.35", "YF02"),
    ("FL-MD-9", "铜铆钉 9mm", "个", "0.05", "YF02"),
    ("FL-LL-JS4", "4号黄铜金属拉链 18cm", "条", "0.90", "YF02"),
    ("FL-LL-NL5", "5号尼龙拉链 60cm", "条", "1.20", "YF02"),
    ("FL-LL-YS3", "3号隐形拉链 22cm", "条", "0.45", "YF02"),
    ("FL-SJ-140", "卫衣帽绳 140cm", "条", "0.60", "YF02"),
    ("FL-SJD-30", "松紧带 3cm", "米", "0.80", "YF02"),
    ("FL-ZB-01", "织唛主标", "个", "0.15", "YF02"),
    ("FL-CMB", "尺码标", "个", "0.03", "YF02"),
    ("FL-XSB", "洗水唛", "个", "0.05", "YF02"),
    ("FL-DP-01", "吊牌（含吊粒）", "个", "0.12", "YF02"),
    ("FL-XX-402", "402涤纶缝纫线 3000米", "卷", "4.50", "YF02"),
    ("BZ-OPP-3040", "OPP自封袋 30×40cm", "个", "0.10", "YF03"),
    ("BZ-KDD-3545", "加厚快递袋 35×45cm", "个", "0.18", "YF03"),
    ("BZ-ZX-604040", "五层瓦楞纸箱 60×40×40cm", "个", "3.20", "YF03"),
]

# Metres of fabric per garment by size position (smallest size first; longer sizes lists take
# the last value); scrap % is cutting loss.
TOP_METRES = ("1.05", "1.10", "1.15", "1.20", "1.25", "1.30")
HOODIE_METRES = ("1.55", "1.60", "1.65", "1.70", "1.75", "1.80")
PANTS_METRES = ("1.15", "1.20", "1.25", "1.30", "1.35", "1.40")
DRESS_METRES = ("2.10", "2.20", "2.30", "2.40")
SKIRT_METRES = ("0.70", "0.75", "0.80")

# Labels every garment carries, and its bag.
LABELS = [("FL-ZB-01", "1", "0"), ("FL-CMB", "1", "0"), ("FL-XSB", "1", "0"), ("FL-DP-01", "1", "0"),
          ("BZ-OPP-3040", "1", "0")]
THREAD = ("FL-XX-402", "0.03", "5")

# BOMs of the made and outsourced styles, one per SKU. style code → (fabric: code prefix or
# {colour: fabric code}, metres by size, scrap %, extra lines [(code, qty, scrap %)]).
# NZ2401 is two-level: the jeans are the washed blank 牛仔裤坯 (see SEMI_FINISHED) plus labels.
BOMS = {
    "TX2402": ("ML-ZB260", TOP_METRES, "4", [THREAD]),
    "WY2402": ("ML-WQ320", HOODIE_METRES, "5", [("FL-SJ-140", "1", "0"), THREAD]),
    "WY2406": ("ML-WQ380", HOODIE_METRES, "5", [("FL-SJ-140", "1", "0"), THREAD]),
    "CS2401": ("ML-NJF", TOP_METRES, "6", [("FL-KZ-14L", "9", "3"), THREAD]),
    "WT2402": ({"LBL": "ML-NZ12-IND", "DBL": "ML-NZ12-IND", "BLK": "ML-NZ12-BLK"}, HOODIE_METRES, "6",
               [("FL-GZK-17", "8", "2"), ("FL-MD-9", "4", "2"), THREAD]),
    "XK2404": ("ML-JR300", PANTS_METRES, "5", [("FL-SJD-30", "0.85", "3"), ("FL-SJ-140", "1", "0"), THREAD]),
    "XK2405": ("ML-XW", PANTS_METRES, "5", [("FL-KZ-18L", "1", "2"), ("FL-LL-JS4", "1", "0"), THREAD]),
    "LQ2401": ("ML-XF", DRESS_METRES, "8", [("FL-LL-YS3", "1", "0"), THREAD]),
    "BQ2404": ("ML-ZZ", SKIRT_METRES, "4", [("FL-SJD-30", "0.70", "3"), THREAD]),
}

# The semi-finished jeans blank 牛仔裤坯: sewn by WX001 from our denim, then washed by WX003 into
# the NZ2401 colours (浅蓝 / 中蓝 / 深蓝 are wash shades of the same indigo denim).
SEMI_FINISHED = {
    "style": "NZ2401",
    "code": "NZ2401P",  # + "-<size>"
    "name": "高腰直筒牛仔裤坯（车缝未水洗）",
    "fabric": "ML-NZ12-IND",
    "metres": PANTS_METRES,
    "scrap": "4",
    "lines": [("FL-GZK-17", "1", "2"), ("FL-MD-9", "6", "3"), ("FL-LL-JS4", "1", "0"), ("FL-ZB-01", "1", "0"),
              ("FL-CMB", "1", "0"), THREAD],
    "wash_scrap": "2",  # blanks lost in the wash
}

# Bundles 套餐: code, name, list price, [(component SKU code, quantity)]
BUNDLES = [
    ("TC-TX2401-2M", "纯棉圆领T恤两件装（黑+白）M码", "158.00", [("TX2401-BLK-M", 1), ("TX2401-WHT-M", 1)]),
    ("TC-TX2401-2L", "纯棉圆领T恤两件装（黑+白）L码", "158.00", [("TX2401-BLK-L", 1), ("TX2401-WHT-L", 1)]),
    ("TC-WZ2401-5M", "纯棉中筒袜五双装（黑白灰）M码", "69.00",
     [("WZ2401-BLK-M", 2), ("WZ2401-WHT-M", 2), ("WZ2401-GRY-M", 1)]),
    ("TC-QQ-WYNZ", "秋季卫衣+牛仔裤套装（黑L+中蓝27）", "359.00", [("WY2403-BLK-L", 1), ("NZ2401-MBL-27", 1)]),
]

# ---------------------------------------------------------------- stock

# Opening stock 期初 in the finished-goods warehouse: styles that arrive through the purchase
# scenario below get none. Quantity per SKU ≈ base × size weight, varied per SKU; a few
# cells are sold out (no line) so low stock has something to report.
OPENING_EXCLUDED_STYLES = ("TX2401", "WY2402")
SIZE_WEIGHT = {
    "S": "0.6", "M": "1.0", "L": "1.0", "XL": "0.7", "XXL": "0.4", "3XL": "0.25",
    "25": "0.5", "26": "0.8", "27": "1.0", "28": "1.0", "29": "0.8", "30": "0.5",
    "31": "0.7", "32": "0.7", "33": "0.5", "34": "0.3",
    "38": "0.5", "39": "0.8", "40": "1.0", "41": "1.0", "42": "0.7", "43": "0.4",
    "54": "0.6", "56": "1.0", "58": "1.0", "60": "0.6",
    "110": "0.6", "115": "1.0", "120": "1.0", "125": "0.6",
}
# Base quantity per top-level category (cheap, fast sellers get more).
OPENING_BASE = {"FZ0101": 60, "FZ0102": 35, "FZ0103": 30, "FZ0104": 15, "FZ0105": 25, "FZ0201": 30,
                "FZ0202": 35, "FZ0203": 25, "FZ03": 25, "PS01": 40, "PS02": 120, "PS03": 20, "PS04": 15}
# Raw materials on hand: fabrics in metres, trims in their unit.
FABRIC_OPENING = 600
FABRIC_OPENING_LOW = {"ML-XF-YEL": 40, "ML-NZ12-BLK": 55}  # running out
TRIM_OPENING = {"个": 5000, "条": 1200, "米": 800, "卷": 60}

# Safety stock 警戒库存: (warehouse, SKU code, minimum). Several sit above what is on hand.
SAFETY_STOCK = [
    ("FG01", "TX2403-WHT-M", 80), ("FG01", "TX2403-BLK-M", 80), ("FG01", "TX2405-BLK-L", 50),
    ("FG01", "WY2403-GRY-L", 40), ("FG01", "NZ2402-DBL-31", 30), ("FG01", "LQ2405-WHT-M", 30),
    ("FG01", "WZ2401-BLK-M", 150), ("FG01", "WZ2402-WHT-M", 150), ("FG01", "MZ2401-BLK-58", 45),
    ("FG01", "XK2401-BLK-M", 40), ("FG01", "CS2404-WHT-40", 30), ("FG01", "TX2401-BLK-M", 100),
    ("FG01", "WT2401-BLK-M", 10),
    ("RM01", "ML-XF-YEL", 300), ("RM01", "ML-NZ12-BLK", 200), ("RM01", "ML-NZ12-IND", 300),
    ("RM01", "FL-DP-01", 2000),
]

# Samples 样品 kept for photo shoots and live streams (one each, M or the middle size).
SAMPLE_STYLES = ("TX2403", "TX2404", "WY2403", "WY2406", "CS2402", "WT2406", "NZ2403", "LQ2401", "LQ2402", "BB2401")
# Returned faulty goods 次品 waiting for the supplier: (SKU code, quantity).
DEFECTIVE = [("TX2403-WHT-M", 3), ("WY2404-PNK-S", 1), ("NZ2402-MBL-30", 2), ("LQ2404-WHT-L", 1),
             ("WT2404-BLK-XL", 1)]

# Fabric and trims sent to the jeans workshop for the NZ2401 blanks (a transfer to its 外协仓).
SUBCONTRACT_ISSUE = {
    "to": "WX001",
    "lines": [("ML-NZ12-IND", 240), ("FL-GZK-17", 200), ("FL-MD-9", 1200), ("FL-LL-JS4", 200), ("FL-ZB-01", 200),
              ("FL-CMB", 200), ("FL-XX-402", 6)],
}
