"""Audit events and change records can be written, never rewritten."""

from django.db import migrations

from shopflow.core.db import make_table_immutable


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [make_table_immutable("core_auditevent"), make_table_immutable("core_changerecord")]
