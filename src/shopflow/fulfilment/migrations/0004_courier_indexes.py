"""The courier indexes of parcels and tracking numbers, dropped: ful_parcel_handover_idx and
ful_tracking_courier_no_uniq start with the courier. DROP INDEX only: see
core.db.drop_foreign_key_index."""

import django.db.models.deletion
from django.db import migrations, models

from shopflow.core.db import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [
        ("fulfilment", "0003_tracking_pool_partial_indexes"),
        ("partners", "0005_seed_processing_categories"),
    ]
    operations = [
        drop_foreign_key_index("fulfilment", "parcel", "courier", models.ForeignKey(
            db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="partners.courier",
            verbose_name="courier")),
        drop_foreign_key_index("fulfilment", "trackingnumber", "courier", models.ForeignKey(
            db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="partners.courier",
            verbose_name="courier")),
    ]
