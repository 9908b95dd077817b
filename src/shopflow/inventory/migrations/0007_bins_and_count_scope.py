"""Bins 库位 and default SKU locations; stock-takes scoped by category and bins.

A location's bin must lie in the location's warehouse. PostgreSQL enforces it with a
composite foreign key (bin_id, warehouse_id) → bin (id, warehouse_id), which also keeps a bin
that is in use from moving to another warehouse. SQLite cannot add such a key to an existing
table, so triggers do the same there."""

import django.db.models.deletion
import shopflow.inventory.models.locations
from django.db import migrations, models

FORWARD = {
    "postgresql": [
        "ALTER TABLE inventory_skulocation ADD CONSTRAINT inv_skuloc_bin_same_wh "
        "FOREIGN KEY (bin_id, warehouse_id) REFERENCES inventory_bin (id, warehouse_id)",
    ],
    "sqlite": [
        "CREATE TRIGGER inv_skuloc_bin_same_wh_ins BEFORE INSERT ON inventory_skulocation FOR EACH ROW "
        "WHEN NOT EXISTS (SELECT 1 FROM inventory_bin b WHERE b.id = NEW.bin_id AND b.warehouse_id = NEW.warehouse_id) "
        "BEGIN SELECT RAISE(ABORT, 'inv_skuloc_bin_same_wh: the bin is in another warehouse'); END;",
        "CREATE TRIGGER inv_skuloc_bin_same_wh_upd BEFORE UPDATE OF bin_id, warehouse_id ON inventory_skulocation "
        "FOR EACH ROW "
        "WHEN NOT EXISTS (SELECT 1 FROM inventory_bin b WHERE b.id = NEW.bin_id AND b.warehouse_id = NEW.warehouse_id) "
        "BEGIN SELECT RAISE(ABORT, 'inv_skuloc_bin_same_wh: the bin is in another warehouse'); END;",
        "CREATE TRIGGER inv_bin_keeps_wh_upd BEFORE UPDATE OF warehouse_id ON inventory_bin FOR EACH ROW "
        "WHEN NEW.warehouse_id <> OLD.warehouse_id "
        "AND EXISTS (SELECT 1 FROM inventory_skulocation l WHERE l.bin_id = OLD.id) "
        "BEGIN SELECT RAISE(ABORT, 'inv_skuloc_bin_same_wh: the bin is in use in its warehouse'); END;",
    ],
}
BACKWARD = {
    "postgresql": ["ALTER TABLE inventory_skulocation DROP CONSTRAINT IF EXISTS inv_skuloc_bin_same_wh"],
    "sqlite": ["DROP TRIGGER IF EXISTS inv_skuloc_bin_same_wh_ins", "DROP TRIGGER IF EXISTS inv_skuloc_bin_same_wh_upd",
               "DROP TRIGGER IF EXISTS inv_bin_keeps_wh_upd"],
}


def bin_in_location_warehouse(apps, schema_editor):
    for sql in FORWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def drop_bin_in_location_warehouse(apps, schema_editor):
    for sql in BACKWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0008_bom'),
        ('inventory', '0006_warehouse_subcontractor'),
    ]

    operations = [
        migrations.AddField(
            model_name='stocktake',
            name='category',
            field=models.ForeignKey(blank=True, help_text='Count only SKUs of this category and its sub-categories.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.category', verbose_name='category'),
        ),
        migrations.CreateModel(
            name='Bin',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(help_text='Unique within the warehouse, e.g. A-01-03 (aisle, rack, level).', max_length=32, validators=[shopflow.inventory.models.locations.validate_no_spaces], verbose_name='bin code')),
                ('name', models.CharField(blank=True, default='', max_length=100, verbose_name='name')),
                ('sort_order', models.PositiveIntegerField(default=0, help_text='The walking order of count sheets and pick lists.', verbose_name='sort order')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
                ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bins', to='inventory.warehouse', verbose_name='warehouse')),
            ],
            options={
                'verbose_name': 'bin',
                'verbose_name_plural': 'bins',
                'ordering': ['warehouse__code', 'sort_order', 'code'],
            },
        ),
        migrations.AddField(
            model_name='stocktake',
            name='bins',
            field=models.ManyToManyField(blank=True, help_text='Count only SKUs whose default bin is one of these.', related_name='+', to='inventory.bin', verbose_name='bins'),
        ),
        migrations.CreateModel(
            name='SkuLocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bin', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='locations', to='inventory.bin', verbose_name='bin')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.sku', verbose_name='SKU')),
                ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='inventory.warehouse', verbose_name='warehouse')),
            ],
            options={
                'verbose_name': 'SKU location',
                'verbose_name_plural': 'SKU locations',
                'ordering': ['warehouse_id', 'sku_id'],
            },
        ),
        migrations.AddConstraint(
            model_name='bin',
            constraint=models.CheckConstraint(condition=models.Q(('code', ''), _negated=True), name='inv_bin_code_not_blank'),
        ),
        migrations.AddConstraint(
            model_name='bin',
            constraint=models.UniqueConstraint(fields=('warehouse', 'code'), name='inv_bin_wh_code_uniq'),
        ),
        migrations.AddConstraint(
            model_name='bin',
            constraint=models.UniqueConstraint(fields=('id', 'warehouse'), name='inv_bin_id_wh_uniq'),
        ),
        migrations.AddIndex(
            model_name='skulocation',
            index=models.Index(fields=['warehouse', 'bin'], name='inv_skuloc_wh_bin_idx'),
        ),
        migrations.AddConstraint(
            model_name='skulocation',
            constraint=models.UniqueConstraint(fields=('sku', 'warehouse'), name='inv_skuloc_sku_wh_uniq'),
        ),
        migrations.RunPython(bin_in_location_warehouse, drop_bin_in_location_warehouse),
    ]
