"""The order line's order index, dropped: sales_online_line_no_uniq (order, line_no) starts with the
order. DROP INDEX only: see core.db.drop_foreign_key_index."""

import django.db.models.deletion
from django.db import migrations, models

from shopflow.core.db import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_review_rules_merge_split_allocation")]
    operations = [
        drop_foreign_key_index("sales", "onlineorderline", "order", models.ForeignKey(
            db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="lines", to="sales.onlineorder")),
    ]
