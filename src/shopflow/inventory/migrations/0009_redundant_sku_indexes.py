"""Indexes that another index already covers, dropped: each made every insert slower (a stock move
about a third). Look-ups by SKU use the (sku, warehouse, …) indexes; by origin, the reservations'
unique (origin type, origin id, …). DROP INDEX only: see core.db.drop_foreign_key_index."""

import django.db.models.deletion
from django.db import migrations, models

from shopflow.core.db import drop_foreign_key_index


def _sku(**extra):
    return models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                             to="catalog.sku", **extra)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_bom"),
        ("inventory", "0008_stockbalance_inquiry_idx"),
    ]
    operations = [
        migrations.RemoveIndex(model_name="stockreservation", name="inv_resv_origin_idx"),
        drop_foreign_key_index("inventory", "stockbalance", "sku", _sku()),
        drop_foreign_key_index("inventory", "stockmove", "sku", _sku()),
        drop_foreign_key_index("inventory", "stockreservation", "sku", _sku(verbose_name="SKU")),
    ]
