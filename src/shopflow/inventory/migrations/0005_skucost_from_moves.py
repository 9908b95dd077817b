"""Cost records for SKUs that already have moves: quantity and value summed from the ledger
(moves from before costing count quantity × unit cost, rounded once per SKU as
verify-stock does), the average being value ÷ quantity."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations


def forward(apps, schema_editor):
    StockMove = apps.get_model("inventory", "StockMove")
    SkuCost = apps.get_model("inventory", "SkuCost")
    Sku = apps.get_model("catalog", "Sku")
    totals = {}
    for sku_id, qty, unit_cost in StockMove.objects.values_list("sku_id", "quantity", "unit_cost").iterator():
        q, v = totals.get(sku_id, (Decimal(0), Decimal(0)))
        totals[sku_id] = (q + qty, v + qty * unit_cost)
    catalogue = dict(Sku.objects.filter(pk__in=list(totals)).values_list("pk", "cost"))
    rows = []
    for sku_id, (q, v) in totals.items():
        v = v.quantize(Decimal("0.01"), ROUND_HALF_UP)
        average = (v / q) if q > 0 else catalogue.get(sku_id, Decimal(0))
        rows.append(SkuCost(sku_id=sku_id, quantity=q, value=v,
                            average=Decimal(average).quantize(Decimal("0.000001"), ROUND_HALF_UP)))
    SkuCost.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_stock_documents")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
