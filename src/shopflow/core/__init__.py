"""Document framework, numbering, audit trail, roles and settings helpers."""
