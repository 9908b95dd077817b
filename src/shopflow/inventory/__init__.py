"""Warehouses and the stock ledger: immutable moves, balances kept in step."""
