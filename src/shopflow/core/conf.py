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
    # Sign-in throttling (web and admin): after this many failed sign-ins for one username from one
    # address within LOGIN_FAILURE_WINDOW_MINUTES, that username is refused from that address until
    # the window has passed; 0 turns throttling off.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    # Rows per page on list pages.
    "LIST_PAGE_SIZE": 50,
    # Rows at most in one .xlsx export.
    "EXPORT_MAX_ROWS": 100_000,
    # Days of the month (first, last) when the monthly stock-take is counted; a count sheet
    # dated outside them gets a warning, not a refusal.
    "STOCKTAKE_WINDOW_DAYS": (28, 31),
    # A SKU with stock and no move out of the warehouse for this many days is slow-moving 呆滞.
    "SLOW_MOVING_DAYS": 90,
    # GS1 prefix of generated EAN-13 barcodes; 200 is GS1's restricted-circulation range (in-house use only).
    "BARCODE_PREFIX": "200",
    # Largest file (bytes) a master-data import accepts; bigger ones are refused before reading.
    "IMPORT_MAX_BYTES": 20 * 1024 * 1024,
    # Order export files are bigger: a 100,000-order Taobao pair is about 54 MB.
    "ORDER_IMPORT_MAX_BYTES": 200 * 1024 * 1024,
    # Most data rows in one import file (an .xlsx unpacks to far more than its size suggests).
    "IMPORT_MAX_ROWS": 200_000,
    # Import files larger than this (bytes) run as a background task, with progress on the page.
    "IMPORT_BACKGROUND_BYTES": 512 * 1024,
    # A purchase order line may be received up to this many percent above the ordered quantity
    # (over all receipts that are not cancelled); 0: never more than ordered.
    "PURCHASE_OVER_RECEIPT_PERCENT": 0,
    # First batch 首单 of a product never received before: a purchase order for more than this
    # many gets a warning (seed 001: "第一批新购品种控制在三套以内"); a warning, never a refusal.
    "PURCHASE_FIRST_BATCH_MAX": 3,
    # Service level 发货时效: orders paid before this time of day (HH:MM, local time) are due out the
    # same day, later ones the next day; and none may wait longer than SHIP_WITHIN_HOURS after payment.
    "SHIP_CUTOFF_TIME": "16:00",
    "SHIP_WITHIN_HOURS": 24,
    # An unshipped order due within this many hours shows as at risk on the service-level board.
    "SHIP_AT_RISK_HOURS": 4,
    # Most orders in one wave 波次 (a picker's trolley); a wave can be made smaller.
    "WAVE_MAX_ORDERS": 200,
    # The sender printed on waybills, per ship-from warehouse code ("*": any other):
    # {"FG01": {"name": "悦衣旗舰店", "phone": "0571-…", "address": "浙江省杭州市…"}}. Without an
    # entry the sender is the shop's name and the warehouse's name.
    "SHIP_FROM": {},
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
