"""Moving-average costs, the value of each move, reservations and safety stock."""

import django.db.models.deletion
import django.utils.timezone
import shopflow.core.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
        ('inventory', '0002_moves_immutable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SkuCost',
            fields=[
                ('sku', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='+', serialize=False, to='catalog.sku', verbose_name='SKU')),
                ('quantity', models.DecimalField(decimal_places=4, default=0, max_digits=18, verbose_name='quantity')),
                ('value', models.DecimalField(decimal_places=2, default=0, max_digits=18, verbose_name='stock value')),
                ('average', models.DecimalField(decimal_places=6, default=0, max_digits=18, verbose_name='average cost')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'SKU cost',
                'verbose_name_plural': 'SKU costs',
                'default_permissions': ('view',),
            },
        ),
        migrations.AddField(
            model_name='stockmove',
            name='value',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True),
        ),
        migrations.CreateModel(
            name='SafetyStock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('minimum', models.DecimalField(decimal_places=4, max_digits=18, verbose_name='safety stock')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.sku', verbose_name='SKU')),
                ('updated_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by')),
                ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='inventory.warehouse', verbose_name='warehouse')),
            ],
            options={
                'verbose_name': 'safety stock',
                'verbose_name_plural': 'safety stock',
                'ordering': ['warehouse_id', 'sku_id'],
                'default_permissions': ('view', 'change'),
            },
        ),
        migrations.CreateModel(
            name='StockReservation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('origin_type', models.CharField(max_length=100, verbose_name='origin')),
                ('origin_id', models.BigIntegerField()),
                ('origin_line_id', models.BigIntegerField(blank=True, null=True)),
                ('quantity', models.DecimalField(decimal_places=4, default=0, max_digits=18, verbose_name='reserved')),
                ('consumed', models.DecimalField(decimal_places=4, default=0, max_digits=18, verbose_name='issued')),
                ('released', models.DecimalField(decimal_places=4, default=0, max_digits=18, verbose_name='released')),
                ('open', models.BooleanField(default=True, verbose_name='open')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.sku', verbose_name='SKU')),
                ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.warehouse', verbose_name='warehouse')),
            ],
            options={
                'verbose_name': 'stock reservation',
                'verbose_name_plural': 'stock reservations',
                'ordering': ['id'],
                'default_permissions': ('view',),
            },
        ),
        migrations.CreateModel(
            name='ReservationConsumption',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quantity', models.DecimalField(decimal_places=4, max_digits=18)),
                ('move', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='reservation_use', to='inventory.stockmove')),
                ('reservation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='consumptions', to='inventory.stockreservation')),
            ],
            options={
                'default_permissions': (),
            },
        ),
        migrations.AddConstraint(
            model_name='safetystock',
            constraint=models.UniqueConstraint(fields=('sku', 'warehouse'), name='inv_safety_sku_wh_uniq'),
        ),
        migrations.AddConstraint(
            model_name='safetystock',
            constraint=models.CheckConstraint(condition=models.Q(('minimum__gt', 0)), name='inv_safety_min_positive'),
        ),
        migrations.AddIndex(
            model_name='stockreservation',
            index=models.Index(fields=['origin_type', 'origin_id'], name='inv_resv_origin_idx'),
        ),
        migrations.AddIndex(
            model_name='stockreservation',
            index=models.Index(fields=['sku', 'warehouse', 'open'], name='inv_resv_sku_wh_idx'),
        ),
        migrations.AddConstraint(
            model_name='stockreservation',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__gte', 0)), name='inv_resv_qty_nonneg'),
        ),
        migrations.AddConstraint(
            model_name='stockreservation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('open', True), ('quantity__gt', 0)), models.Q(('open', False), ('quantity', 0)), _connector='OR'), name='inv_resv_open_iff_qty'),
        ),
        migrations.AddConstraint(
            model_name='stockreservation',
            constraint=models.UniqueConstraint(fields=('origin_type', 'origin_id', 'origin_line_id', 'sku', 'warehouse'), name='inv_resv_origin_uniq'),
        ),
        migrations.AddConstraint(
            model_name='reservationconsumption',
            constraint=models.CheckConstraint(condition=models.Q(('quantity', 0), _negated=True), name='inv_resv_use_qty_nonzero'),
        ),
    ]
