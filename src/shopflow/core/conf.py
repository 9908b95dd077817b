"""The SHOPFLOW settings dict with defaults; read with setting("NAME")."""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS = {
    # A document's creator may not approve it (segregation of duties).
    "SEGREGATION_OF_DUTIES": True,
    # Prefix of API tokens, so a leaked token is recognisable in logs and scanners.
    "API_TOKEN_PREFIX": "sf_",
    # Rows per page on list pages.
    "LIST_PAGE_SIZE": 50,
    # Rows at most in one .xlsx export.
    "EXPORT_MAX_ROWS": 100_000,
    # Days of the month (first, last) when the monthly stock-take is counted; a count sheet
    # dated outside them gets a warning, not a refusal.
    "STOCKTAKE_WINDOW_DAYS": (28, 31),
    # GS1 prefix of generated EAN-13 barcodes; 200 is GS1's restricted-circulation range (in-house use only).
    "BARCODE_PREFIX": "200",
}


@cache
def _merged() -> dict:
    merged = dict(DEFAULTS)
    merged.update(getattr(settings, "SHOPFLOW", {}) or {})
    return merged


def setting(name: str):
    """One product setting, from settings.SHOPFLOW or its default."""
    return _merged()[name]


@receiver(setting_changed)
def _clear_cache(*, setting: str, **kwargs) -> None:
    if setting == "SHOPFLOW":
        _merged.cache_clear()
