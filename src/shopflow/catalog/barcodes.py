"""Barcodes: EAN-13 check digits, generated EAN-13 numbers, Code128 values, and drawings for labels.

A 13-digit numeric barcode is taken to be an EAN-13 and must carry a correct check digit; any
other barcode is printed as Code128, which encodes printable ASCII.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF, renderSVG
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm

from shopflow.catalog.error_codes import CatalogError
from shopflow.catalog.models import BarcodeSequence, Sku
from shopflow.core.conf import setting
from shopflow.core.errors import DomainError

EAN13 = "EAN13"
CODE128 = "Code128"


# ---------------------------------------------------------------- EAN-13

def ean13_check_digit(body: str) -> str:
    """The check digit for the first 12 digits: weights 1, 3, 1, 3, … from the left."""
    if len(body) != 12 or not body.isdigit() or not body.isascii():
        raise ValueError(f"EAN-13 body must be 12 digits, got {body!r}")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return str((10 - total % 10) % 10)


def is_ean13(value: str) -> bool:
    """13 digits whose last one is the right check digit (6901234567892 → True)."""
    return (len(value) == 13 and value.isdigit() and value.isascii()
            and ean13_check_digit(value[:12]) == value[12])


def is_code128(value: str) -> bool:
    """Printable ASCII without spaces: what Code128 encodes and a scanner reads back unchanged."""
    return bool(value) and all(33 <= ord(ch) <= 126 for ch in value)


def validate_barcode(value: str) -> None:
    """A field validator: blank is allowed (no barcode yet); otherwise a valid EAN-13, or any
    other value Code128 can print."""
    if not value:
        return
    if not is_code128(value):
        raise ValidationError(
            _("A barcode may contain only letters, digits and ASCII symbols, without spaces."),
            code=CatalogError.INVALID_BARCODE,
        )
    if len(value) == 13 and value.isdigit() and not is_ean13(value):
        raise ValidationError(
            _("%(value)s is not a valid EAN-13: the check digit should be %(digit)s.")
            % {"value": value, "digit": ean13_check_digit(value[:12])},
            code=CatalogError.INVALID_BARCODE,
        )


def barcode_prefix_problem(prefix: str) -> str:
    """Why a GS1 prefix cannot number EAN-13 barcodes, or "" when it can."""
    if not (isinstance(prefix, str) and prefix.isdigit() and prefix.isascii() and 2 <= len(prefix) <= 11):
        return _("The barcode prefix must be 2 to 11 digits, got “%(prefix)s”.") % {"prefix": prefix}
    return ""


def _prefix(prefix: str | None) -> str:
    prefix = setting("BARCODE_PREFIX") if prefix is None else prefix
    problem = barcode_prefix_problem(prefix)
    if problem:
        raise DomainError(CatalogError.BARCODE_PREFIX, problem)
    return prefix


def _ean13(prefix: str, number: int) -> str:
    body = f"{prefix}{number:0{12 - len(prefix)}d}"
    return body + ean13_check_digit(body)


@transaction.atomic
def ean13_allocate(*, count: int, prefix: str | None = None) -> list[str]:
    """`count` new EAN-13 barcodes under `prefix` (default: the BARCODE_PREFIX setting), from a
    sequence row locked for the transaction. Numbers some SKU already carries (imported
    barcodes) are skipped. Call inside the transaction that saves them."""
    prefix = _prefix(prefix)
    capacity = 10 ** (12 - len(prefix)) - 1
    BarcodeSequence.objects.bulk_create([BarcodeSequence(prefix=prefix)], ignore_conflicts=True)
    seq = BarcodeSequence.objects.select_for_update().get(prefix=prefix)
    allocated: list[str] = []
    number = seq.last
    while len(allocated) < count:
        candidates = []
        for _i in range(count - len(allocated)):
            number += 1
            if number > capacity:
                raise DomainError(
                    CatalogError.BARCODE_EXHAUSTED,
                    _("Every EAN-13 number under prefix %(prefix)s is used; set a longer company prefix.")
                    % {"prefix": prefix},
                )
            candidates.append(_ean13(prefix, number))
        taken = set(Sku.objects.filter(barcode__in=candidates).values_list("barcode", flat=True))
        allocated.extend(c for c in candidates if c not in taken)
    seq.last = number
    seq.save(update_fields=["last"])
    return allocated


def ean13_next(*, prefix: str | None = None) -> str:
    """One new EAN-13 barcode (see ean13_allocate)."""
    return ean13_allocate(count=1, prefix=prefix)[0]


# ---------------------------------------------------------------- Code128

def code128_value(code: str) -> str:
    """The Code128 barcode for an item code: the code itself, when Code128 can print it."""
    if not is_code128(code):
        raise DomainError(
            CatalogError.NOT_CODE128,
            _("Item code %(code)s cannot be printed as Code128 (only ASCII letters, digits and symbols, "
              "no spaces); give the SKU an EAN-13 instead.") % {"code": code},
            field="code",
        )
    return code


# ---------------------------------------------------------------- drawings

def barcode_symbology(value: str) -> str:
    """EAN13 for a valid EAN-13, Code128 for anything else Code128 can print."""
    if is_ean13(value):
        return EAN13
    if is_code128(value):
        return CODE128
    raise DomainError(CatalogError.INVALID_BARCODE,
                      _("%(value)s cannot be printed as a barcode.") % {"value": value}, field="barcode")


def barcode_drawing(value: str, *, bar_height_mm: float = 15, human_readable: bool = True) -> Drawing:
    """A ReportLab drawing of the barcode, to place on labels (drawing.drawOn(canvas, x, y)) or
    render alone. Its size is drawing.width × drawing.height in points."""
    symbology = barcode_symbology(value)
    # ReportLab's EAN13 takes the 12-digit body and appends the check digit itself.
    data = value[:12] if symbology == EAN13 else value
    options = {"barHeight": bar_height_mm * mm, "humanReadable": human_readable}
    if symbology == CODE128:
        options.update(barWidth=0.3 * mm, quiet=True)
    return createBarcodeDrawing(symbology, value=data, **options)


def barcode_pdf(value: str, **options) -> bytes:
    """A one-barcode PDF page sized to the barcode (for a quick print or a preview)."""
    return renderPDF.drawToString(barcode_drawing(value, **options))


def barcode_svg(value: str, **options) -> str:
    """The barcode as an SVG document, to show inline on a page."""
    return renderSVG.drawToString(barcode_drawing(value, **options))
