"""shopflow: operations system (ERP) for online sellers."""

__version__ = "0.1.0"
