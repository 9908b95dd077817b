"""What each benchmark size means. The name is the number of SKUs in the catalogue; the stock
ledger grows with it (a receipt of every SKU, then an issue of every second one), the other
workloads are fixed or grow more slowly, so that every figure reads as a cost per unit that
should stay flat from 10k to 1M."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    skus: int  # SKUs in the catalogue: skus // 10 styles × 2 colours × 5 sizes
    receipts: int  # moves of the receipt posting: one per SKU
    issues: int  # moves of the issue posting: every second SKU
    batch: int  # moves per stock_post call (one transaction, like one document of that many lines)
    documents: int  # other receipts created, submitted and approved through the document services
    lines: int  # lines per document
    clients: int  # concurrent reservation clients (threads, one connection each)
    ops: int  # reserve/release calls per client
    hot_skus: int  # SKUs all clients fight over
    hot_stock: int  # units on hand of each hot SKU: less than the clients ask for, so some are refused
    report_repeats: int  # each report query runs this many times; the median counts
    orders: int = 0  # online orders in the generated Taobao export pair (import, allocation, shipping)
    per_order: int = 0  # orders taken one by one through the interactive path
    wave_size: int = 200  # orders per wave on the batch shipping path (SHIP WAVE_MAX_ORDERS)

    @property
    def moves(self) -> int:
        """Ledger rows after the postings (documents and the hot stock add a few more)."""
        return self.receipts + self.issues

    def describe(self) -> dict:
        return {
            "skus": self.skus, "styles": self.skus // 10, "warehouses": 3,
            "receipt_moves": self.receipts, "issue_moves": self.issues, "moves_per_post": self.batch,
            "documents": self.documents, "lines_per_document": self.lines,
            "reservation_clients": self.clients, "reservation_ops_per_client": self.ops,
            "hot_skus": self.hot_skus, "hot_stock_per_sku": self.hot_stock, "safety_stock_rows": self.skus // 10,
            "online_orders": self.orders, "per_order_path_orders": self.per_order, "orders_per_wave": self.wave_size,
        }


def _size(name: str, skus: int, *, documents: int, clients: int = 8, ops: int = 200, hot_skus: int = 4,
          repeats: int = 3, orders: int, per_order: int = 2_000) -> Size:
    return Size(name=name, skus=skus, receipts=skus, issues=skus // 2, batch=100, documents=documents, lines=10,
                clients=clients, ops=ops, hot_skus=hot_skus, hot_stock=10, report_repeats=repeats, orders=orders,
                per_order=per_order)


SIZES: dict[str, Size] = {
    # CI's smoke test: every scenario runs, in seconds.
    "tiny": _size("tiny", 200, documents=5, clients=4, ops=30, hot_skus=2, repeats=1, orders=1_000, per_order=200),
    "10k": _size("10k", 10_000, documents=100, orders=10_000),
    "100k": _size("100k", 100_000, documents=300, orders=100_000),
    # Opt-in: asked for by name only. The order scenarios hold the 1M-order export pair and what
    # the reader makes of it in memory (several GB); see the README.
    "1m": _size("1m", 1_000_000, documents=300, repeats=1, orders=1_000_000),
}
