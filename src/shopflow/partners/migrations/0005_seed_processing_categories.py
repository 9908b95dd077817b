"""Seed the processing categories most sellers give out to subcontractors 外协厂: the garment
steps (cutting to finishing) and, from seed 000's electronics subcontracting (钢网, 烧录器), SMT
placement, programming and assembly. Sellers rename, retire or add their own; the rows are
frozen here on purpose (a migration must not change when code changes later)."""

from django.db import migrations

CATEGORIES = [
    # (code, name, sort_order)
    ("CUT", "裁剪", 10),
    ("SEW", "车缝", 20),
    ("PRINT", "印花", 30),
    ("EMBROIDER", "绣花", 40),
    ("WASH", "水洗", 50),
    ("DYE", "染色", 60),
    ("KNIT", "织造", 70),
    ("FINISH", "整烫包装", 80),
    ("SMT", "SMT贴片", 90),
    ("PROGRAM", "烧录", 100),
    ("ASSEMBLE", "组装", 110),
]


def seed(apps, schema_editor):
    ProcessingCategory = apps.get_model("partners", "ProcessingCategory")
    existing = set(ProcessingCategory.objects.values_list("code", flat=True))
    ProcessingCategory.objects.bulk_create([
        ProcessingCategory(code=code, name=name, sort_order=order)
        for code, name, order in CATEGORIES if code not in existing
    ])


def unseed(apps, schema_editor):
    ProcessingCategory = apps.get_model("partners", "ProcessingCategory")
    ProcessingCategory.objects.filter(code__in=[row[0] for row in CATEGORIES], subcontractors=None).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("partners", "0004_customer_subcontractor"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
