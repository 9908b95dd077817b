"""Reads of the stock ledger."""

from decimal import Decimal

from django.db.models import Sum

from shopflow.inventory.models import StockBalance, StockMove


def stock_differences() -> list[dict]:
    """Every (SKU, warehouse) whose balance differs from the sum of its moves."""
    sums = {
        (r["sku_id"], r["warehouse_id"]): r["total"]
        for r in StockMove.objects.values("sku_id", "warehouse_id").annotate(total=Sum("quantity"))
    }
    out = []
    seen = set()
    for bal in StockBalance.objects.select_related("sku", "warehouse"):
        key = (bal.sku_id, bal.warehouse_id)
        seen.add(key)
        moved = sums.get(key, Decimal(0))
        if moved != bal.on_hand:
            out.append({"sku": bal.sku.code, "warehouse": bal.warehouse.code, "balance": bal.on_hand, "moves": moved})
    for key, moved in sums.items():
        if key not in seen and moved != 0:
            out.append({"sku": key[0], "warehouse": key[1], "balance": None, "moves": moved})
    return out


def balance_of(*, sku_id: int, warehouse_id: int) -> Decimal:
    bal = StockBalance.objects.filter(sku_id=sku_id, warehouse_id=warehouse_id).first()
    return bal.on_hand if bal else Decimal(0)
