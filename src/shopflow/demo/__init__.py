"""Demo data for `shopflow demo`: an apparel seller with suppliers, warehouses, SKUs, demo
users (one per role) and purchase documents in every state, created through the services."""
