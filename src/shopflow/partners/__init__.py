"""Partners: suppliers (customers, subcontractors, couriers follow in issue 3)."""
