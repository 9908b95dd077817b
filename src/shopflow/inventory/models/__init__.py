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
from shopflow.inventory.models.locations import Bin, SkuLocation

__all__ = [
    "AVERAGE",
    "Bin",
    "OtherIssue",
    "OtherIssueLine",
    "OtherReceipt",
    "OtherReceiptLine",
    "ReservationConsumption",
    "SafetyStock",
    "SkuCost",
    "SkuLocation",
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
