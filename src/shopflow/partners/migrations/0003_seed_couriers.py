"""Seed the common Chinese couriers (the 15 "常用" rows of KDNiao's domestic courier-code table,
partners/data/couriers_cn.csv, MIT) with the tracking-number patterns of partners/couriers.py.

The rows are frozen here on purpose (a migration must not change when code changes later);
tests/partners/test_couriers.py checks that they still equal ``couriers.default_couriers()``.
Patterns are common formats, not official specifications — see partners/couriers.py.
"""

from django.db import migrations

COURIERS = [
    # (code, name, tracking_pattern, sort_order)
    ("ZTO", "中通快递", r"\d{12,15}", 10),
    ("STO", "申通快递", r"\d{12,17}", 20),
    ("YTO", "圆通速递", r"YT\d{12,15}", 30),
    ("YD", "韵达速递", r"\d{13,15}", 40),
    ("YZPY", "邮政快递包裹", r"\d{13}|[A-Z]{2}\d{9}[A-Z]{2}", 50),
    ("EMS", "EMS", r"\d{13}|[A-Z]{2}\d{9}[A-Z]{2}", 60),
    ("SF", "顺丰速运", r"SF\d{12,13}|\d{12}", 70),
    ("JD", "京东快递", r"JD[0-9A-Z]{13,15}", 80),
    ("JDKY", "京东快运", "", 90),
    ("UC", "优速快递", "", 100),
    ("DBL", "德邦快递", "", 110),
    ("JTSD", "极兔速递", r"JT\d{13}", 120),
    ("CNSD", "菜鸟速递", "", 130),
    ("CNCY", "菜鸟橙运", "", 140),
    ("DNWL", "丹鸟物流", "", 150),
]


def seed(apps, schema_editor):
    Courier = apps.get_model("partners", "Courier")
    existing = set(Courier.objects.values_list("code", flat=True))
    Courier.objects.bulk_create([
        Courier(code=code, name=name, tracking_pattern=pattern, sort_order=order)
        for code, name, pattern, order in COURIERS if code not in existing
    ])


def unseed(apps, schema_editor):
    Courier = apps.get_model("partners", "Courier")
    Courier.objects.filter(code__in=[row[0] for row in COURIERS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("partners", "0002_courier"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
