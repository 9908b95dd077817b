"""Purchasing: purchase orders and receipts (requisitions, QC and returns follow in issue 4)."""
