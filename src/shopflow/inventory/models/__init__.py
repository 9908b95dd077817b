"""Inventory models: the ledger and its caches (ledger.py) and the stock documents (documents.py)."""

from shopflow.inventory.models.documents import (
    OtherIssue,
    OtherIssueLine,
    OtherReceipt,
    OtherReceiptLine,
    StockTake,
    StockTakeBook,
    StockTakeLine,
    TransferOrder,
    TransferOrderLine,
)
from shopflow.inventory.models.ledger import (
    AVERAGE,
    ReservationConsumption,
    SafetyStock,
    SkuCost,
    StockBalance,
    StockMove,
    StockReservation,
    Warehouse,
    WarehouseKind,
)

__all__ = [
    "AVERAGE",
    "OtherIssue",
    "OtherIssueLine",
    "OtherReceipt",
    "OtherReceiptLine",
    "ReservationConsumption",
    "SafetyStock",
    "SkuCost",
    "StockBalance",
    "StockMove",
    "StockReservation",
    "StockTake",
    "StockTakeBook",
    "StockTakeLine",
    "TransferOrder",
    "TransferOrderLine",
    "Warehouse",
    "WarehouseKind",
]
