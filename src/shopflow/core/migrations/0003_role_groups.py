"""The roles of SPEC.md as groups. Their document permissions are synced from code after
every migrate (shopflow.core.access.sync_role_permissions)."""

from django.db import migrations

ROLE_CODES = ("manager", "operations", "designer", "customer_service", "warehouse", "purchasing",
              "planning", "finance", "sales", "legal")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for code in ROLE_CODES:
        Group.objects.get_or_create(name=code)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_CODES).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_immutable"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
