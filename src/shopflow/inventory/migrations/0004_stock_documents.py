"""The stock documents: other receipt, other issue, transfer order, stock-take."""

import django.db.models.deletion
import django.utils.timezone
import shopflow.core.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
        ('inventory', '0003_ledger_costs_reservations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OtherIssue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(blank=True, default='', editable=False, max_length=40, verbose_name='number')),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('approved', 'Approved'), ('closed', 'Closed'), ('cancelled', 'Cancelled')], default='draft', editable=False, max_length=16, verbose_name='state')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('doc_date', models.DateField(default=django.utils.timezone.localdate, verbose_name='document date')),
                ('remarks', models.TextField(blank=True, default='', verbose_name='remarks')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('approved_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='approved at')),
                ('approved_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('created_by', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.warehouse', verbose_name='warehouse')),
            ],
            options={
                'verbose_name': 'other issue',
                'verbose_name_plural': 'other issues',
                'ordering': ['-id'],
                'abstract': False,
                'default_permissions': ('view', 'create', 'edit', 'submit', 'approve', 'unapprove', 'pushdown', 'cancel'),
            },
        ),
        migrations.CreateModel(
            name='OtherIssueLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('line_no', models.PositiveIntegerField(default=1, verbose_name='line')),
                ('quantity', models.DecimalField(decimal_places=4, max_digits=18, validators=[shopflow.core.validators.validate_positive], verbose_name='quantity')),
                ('remarks', models.CharField(blank=True, default='', max_length=500, verbose_name='remarks')),
                ('document', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='inventory.otherissue')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.sku', verbose_name='SKU')),
            ],
            options={
                'verbose_name': 'other issue line',
                'ordering': ['line_no', 'id'],
                'abstract': False,
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='OtherReceipt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(blank=True, default='', editable=False, max_length=40, verbose_name='number')),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('approved', 'Approved'), ('closed', 'Closed'), ('cancelled', 'Cancelled')], default='draft', editable=False, max_length=16, verbose_name='state')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('doc_date', models.DateField(default=django.utils.timezone.localdate, verbose_name='document date')),
                ('remarks', models.TextField(blank=True, default='', verbose_name='remarks')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('approved_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='approved at')),
                ('approved_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('created_by', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.warehouse', verbose_name='warehouse')),
            ],
            options={
                'verbose_name': 'other receipt',
                'verbose_name_plural': 'other receipts',
                'ordering': ['-id'],
                'abstract': False,
                'default_permissions': ('view', 'create', 'edit', 'submit', 'approve', 'unapprove', 'pushdown', 'cancel'),
            },
        ),
        migrations.CreateModel(
            name='OtherReceiptLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('line_no', models.PositiveIntegerField(default=1, verbose_name='line')),
                ('quantity', models.DecimalField(decimal_places=4, max_digits=18, validators=[shopflow.core.validators.validate_positive], verbose_name='quantity')),
                ('remarks', models.CharField(blank=True, default='', max_length=500, verbose_name='remarks')),
                ('unit_cost', models.DecimalField(blank=True, decimal_places=2, help_text='Leave empty to receive at the current average cost.', max_digits=18, null=True, validators=[shopflow.core.validators.validate_not_negative], verbose_name='unit cost')),
                ('document', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='inventory.otherreceipt')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.sku', verbose_name='SKU')),
            ],
            options={
                'verbose_name': 'other receipt line',
                'ordering': ['line_no', 'id'],
                'abstract': False,
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='StockTake',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(blank=True, default='', editable=False, max_length=40, verbose_name='number')),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('approved', 'Approved'), ('closed', 'Closed'), ('cancelled', 'Cancelled')], default='draft', editable=False, max_length=16, verbose_name='state')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('doc_date', models.DateField(default=django.utils.timezone.localdate, verbose_name='document date')),
                ('remarks', models.TextField(blank=True, default='', verbose_name='remarks')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('approved_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='approved at')),
                ('sku_prefix', models.CharField(blank=True, default='', help_text='Count only SKUs whose code starts with this; empty: all.', max_length=64, verbose_name='SKU code prefix')),
                ('blind', models.BooleanField(default=False, help_text='Counters do not see the book quantities.', verbose_name='blind count')),
                ('frozen_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='book frozen at')),
                ('approved_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('created_by', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.warehouse', verbose_name='warehouse')),
            ],
            options={
                'verbose_name': 'stock-take',
                'verbose_name_plural': 'stock-takes',
                'ordering': ['-id'],
                'abstract': False,
                'default_permissions': ('view', 'create', 'edit', 'submit', 'approve', 'unapprove', 'pushdown', 'cancel'),
            },
        ),
        migrations.CreateModel(
            name='StockTakeBook',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quantity', models.DecimalField(decimal_places=4, max_digits=18, verbose_name='book quantity')),
                ('document', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='book', to='inventory.stocktake')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.sku', verbose_name='SKU')),
            ],
            options={
                'ordering': ['document_id', 'sku_id'],
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='StockTakeLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('line_no', models.PositiveIntegerField(default=1, verbose_name='line')),
                ('quantity', models.DecimalField(decimal_places=4, max_digits=18, validators=[shopflow.core.validators.validate_positive], verbose_name='counted quantity')),
                ('remarks', models.CharField(blank=True, default='', max_length=500, verbose_name='remarks')),
                ('document', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='inventory.stocktake')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.sku', verbose_name='SKU')),
            ],
            options={
                'verbose_name': 'stock-take line',
                'ordering': ['line_no', 'id'],
                'abstract': False,
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='TransferOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(blank=True, default='', editable=False, max_length=40, verbose_name='number')),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('approved', 'Approved'), ('closed', 'Closed'), ('cancelled', 'Cancelled')], default='draft', editable=False, max_length=16, verbose_name='state')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('doc_date', models.DateField(default=django.utils.timezone.localdate, verbose_name='document date')),
                ('remarks', models.TextField(blank=True, default='', verbose_name='remarks')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('approved_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='approved at')),
                ('approved_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('created_by', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('from_warehouse', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.warehouse', verbose_name='from warehouse')),
                ('to_warehouse', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.warehouse', verbose_name='to warehouse')),
            ],
            options={
                'verbose_name': 'transfer order',
                'verbose_name_plural': 'transfer orders',
                'ordering': ['-id'],
                'abstract': False,
                'default_permissions': ('view', 'create', 'edit', 'submit', 'approve', 'unapprove', 'pushdown', 'cancel'),
            },
        ),
        migrations.CreateModel(
            name='TransferOrderLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('line_no', models.PositiveIntegerField(default=1, verbose_name='line')),
                ('quantity', models.DecimalField(decimal_places=4, max_digits=18, validators=[shopflow.core.validators.validate_positive], verbose_name='quantity')),
                ('remarks', models.CharField(blank=True, default='', max_length=500, verbose_name='remarks')),
                ('document', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='inventory.transferorder')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.sku', verbose_name='SKU')),
            ],
            options={
                'verbose_name': 'transfer order line',
                'ordering': ['line_no', 'id'],
                'abstract': False,
                'default_permissions': (),
            },
        ),
        migrations.AddConstraint(
            model_name='otherissue',
            constraint=models.UniqueConstraint(condition=models.Q(('number', ''), _negated=True), fields=('number',), name='inventory_otherissue_number_uniq'),
        ),
        migrations.AddConstraint(
            model_name='otherissue',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['draft', 'submitted', 'approved', 'closed', 'cancelled'])), name='inventory_otherissue_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='otherissueline',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__gt', 0)), name='inventory_otherissueline_qty_positive'),
        ),
        migrations.AddConstraint(
            model_name='otherreceipt',
            constraint=models.UniqueConstraint(condition=models.Q(('number', ''), _negated=True), fields=('number',), name='inventory_otherreceipt_number_uniq'),
        ),
        migrations.AddConstraint(
            model_name='otherreceipt',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['draft', 'submitted', 'approved', 'closed', 'cancelled'])), name='inventory_otherreceipt_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='otherreceiptline',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__gt', 0)), name='inventory_otherreceiptline_qty_positive'),
        ),
        migrations.AddConstraint(
            model_name='stocktake',
            constraint=models.UniqueConstraint(condition=models.Q(('number', ''), _negated=True), fields=('number',), name='inventory_stocktake_number_uniq'),
        ),
        migrations.AddConstraint(
            model_name='stocktake',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['draft', 'submitted', 'approved', 'closed', 'cancelled'])), name='inventory_stocktake_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='stocktakebook',
            constraint=models.UniqueConstraint(fields=('document', 'sku'), name='inv_stbook_doc_sku_uniq'),
        ),
        migrations.AddConstraint(
            model_name='stocktakeline',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__gt', 0)), name='inventory_stocktakeline_qty_positive'),
        ),
        migrations.AddConstraint(
            model_name='transferorder',
            constraint=models.UniqueConstraint(condition=models.Q(('number', ''), _negated=True), fields=('number',), name='inventory_transferorder_number_uniq'),
        ),
        migrations.AddConstraint(
            model_name='transferorder',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['draft', 'submitted', 'approved', 'closed', 'cancelled'])), name='inventory_transferorder_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='transferorderline',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__gt', 0)), name='inventory_transferorderline_qty_positive'),
        ),
    ]
