"""Stock moves are a ledger: written once, corrected only by reversing moves."""

from django.db import migrations

from shopflow.core.db import make_table_immutable


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]
    operations = [make_table_immutable("inventory_stockmove")]
