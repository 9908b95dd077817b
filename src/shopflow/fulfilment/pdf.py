"""Printed fulfilment papers: the pick list 拣货单 of a wave (one row per SKU in walking order),
the delivery note 发货单 that goes into the parcel, the waybill 快递单 on a 100×180 mm thermal
label with a Code128 barcode of the tracking number, and the courier's handover list 交接单.

Each function returns the PDF as bytes; the web layer serves it. The look (CID font for Chinese,
tables, footer) is core.pdf's. Buyer messages and remarks are hostile text: everything goes through
core.pdf.para (escaped, made printable) or canvas.drawString (no markup at all)."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepInFrame, PageBreak, Spacer

from shopflow.catalog.models import Sku
from shopflow.core.conf import setting
from shopflow.core.pdf import build, font, header_table, lines_table, para, person, printable, signatures, styles
from shopflow.core.serialize import plain
from shopflow.fulfilment.models import Handover, Parcel, ParcelState, Wave
from shopflow.fulfilment.selectors import pick_list
from shopflow.sales.models import OnlineOrderLine

WAYBILL_SIZE = (100 * mm, 180 * mm)  # width × height of the thermal label
ITEM_SEPARATOR = ";"


# ---------------------------------------------------------------- shared pieces


def item_label(sku) -> str:
    """An item as the warehouse and the courier read it: model/colour/size (款号/颜色/尺码).
    The model is the style code; a SKU outside a style grid shows its own code."""
    model = sku.style.code if sku.style_id else sku.code
    return "/".join(part for part in (model, sku.colour, sku.size) if part)


def line_label(line: OnlineOrderLine) -> str:
    return item_label(line.sku) if line.sku_id else (line.sku_code or line.title)


def items_text(lines: Iterable[OnlineOrderLine]) -> str:
    """The waybill's contents line: model/colour/size per line, "×n" after a quantity above one,
    joined by ";" (e.g. "TX01/黑色/M×2;JE02/蓝色/L")."""
    parts = []
    for line in lines:
        text = line_label(line)
        if line.quantity != 1:
            text += f"×{plain(line.quantity)}"
        parts.append(text)
    return ITEM_SEPARATOR.join(parts)


def receiver_address(order) -> str:
    """Province, city and district as parsed, then the street address; the address as imported
    when it was never parsed."""
    region = " ".join(p for p in (order.province, order.city, order.district) if p)
    if order.address_detail:
        return f"{region} {order.address_detail}".strip()
    return order.address or region


@dataclass(frozen=True)
class Sender:
    name: str
    phone: str
    address: str


def sender_of(parcel: Parcel) -> Sender:
    """寄件人: the shop, with the ship-from address of its warehouse from SHOPFLOW["SHIP_FROM"]
    ({warehouse code or "*": {"name", "phone", "address"}}); without one, the warehouse's name."""
    try:
        configured = setting("SHIP_FROM") or {}
    except KeyError:  # the setting is optional
        configured = {}
    entry = configured.get(parcel.warehouse.code) or configured.get("*") or {}
    shop = parcel.order.shop
    return Sender(name=entry.get("name") or shop.name, phone=entry.get("phone", ""),
                  address=entry.get("address") or parcel.warehouse.name)


def parcels_for_print(parcels) -> list[Parcel]:
    """The parcels with everything their papers show, in two queries plus one for the lines."""
    ids = [p.pk for p in parcels]
    lines = OnlineOrderLine.objects.select_related("sku__style", "source_order").order_by("line_no")
    return list(Parcel.objects.filter(pk__in=ids)
                .select_related("order__shop", "wave", "warehouse", "courier", "packed_by")
                .prefetch_related(Prefetch("order__lines", queryset=lines), "order__merged_orders")
                .order_by("wave_id", "id"))


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _weight(value) -> str:
    return plain(Decimal(value)) if value is not None else ""


# ---------------------------------------------------------------- pick list 拣货单


def pick_list_pdf(wave: Wave) -> bytes:
    """The pick list of a wave: one row per SKU in walking order (fulfilment.selectors.pick_list:
    by the SKU's default bin, SKUs without a bin last) with the quantity, the number of orders
    that need it and a tick column; the wave's header. The picker walks the bins once; the goods
    are sorted into parcels at the packing station."""
    st = styles()
    width = A4[0] - 28 * mm
    rows = pick_list(wave)
    labels = {sku.pk: item_label(sku) for sku in Sku.objects.filter(pk__in=[r.sku_id for r in rows])
              .select_related("style")}
    parcels = wave.parcels.exclude(state=ParcelState.CANCELLED).count()
    total = sum((r.quantity for r in rows), Decimal(0))
    story = [
        para(_("Pick list"), st["title"]),
        para(wave.number, st["sub"]),
        Spacer(1, 4 * mm),
        header_table([
            (_("Wave"), wave.number),
            (_("Warehouse"), str(wave.warehouse)),
            (_("Courier"), str(wave.courier) if wave.courier_id else _("Any courier")),
            (_("Parcels"), str(parcels)),
            (_("SKUs"), str(len(rows))),
            (_("Pieces"), plain(total)),
            (_("Created"), f"{_when(wave.created_at)} {person(wave.created_by)}"),
            (_("Note"), wave.note),
        ], st, width),
        Spacer(1, 4 * mm),
        lines_table(
            [_("No."), _("Bin"), _("SKU"), _("Name"), _("Model/colour/size"), _("Quantity"), _("Orders"),
             _("Picked")],
            [[n, r.bin_code or _("(no bin)"), r.sku_code, r.sku_name, labels.get(r.sku_id, ""), plain(r.quantity),
              r.orders, ""] for n, r in enumerate(rows, 1)],
            [w * width for w in (0.06, 0.12, 0.18, 0.23, 0.17, 0.08, 0.08, 0.08)], {5, 6}, st,
            total=["", _("Total"), "", "", "", plain(total), "", ""],
        ),
        Spacer(1, 10 * mm),
        signatures([_("Picked by"), _("Checked by"), _("Date")], st, width),
    ]
    return build(story, f"{_('Pick list')} {wave.number}")


# ---------------------------------------------------------------- delivery note 发货单


def _delivery_note_story(parcel: Parcel, st, width) -> list:
    order = parcel.order
    lines = list(order.lines.all())
    total = sum((line.quantity for line in lines), Decimal(0))
    rows = []
    for n, line in enumerate(lines, 1):
        marks = [_("Gift")] if line.is_gift else []
        if line.source_order_id and line.source_order_id != order.pk:
            marks.append(_("from order %(no)s") % {"no": line.source_order.platform_order_no})
        rows.append([n, line.sku.code if line.sku_id else line.sku_code,
                     line.sku.name if line.sku_id else line.title, line_label(line), plain(line.quantity),
                     "；".join(marks)])
    story = [
        para(_("Delivery note"), st["title"]),
        para(order.platform_order_no, st["sub"]),
        Spacer(1, 4 * mm),
        header_table([
            (_("Shop"), order.shop.name),
            (_("Order number"), "、".join([order.platform_order_no]
                                          + [m.platform_order_no for m in order.merged_orders.all()])),
            (pgettext("online order", "Buyer"), order.buyer_nick),
            (_("Paid at"), _when(order.paid_at)),
            (_("Receiver"), " ".join(p for p in (order.receiver_name, order.receiver_mobile or order.receiver_phone)
                                     if p)),
            (_("Address"), receiver_address(order)),
            (_("Courier"), f"{parcel.courier} {parcel.tracking_no}".strip()),
            (_("Wave"), parcel.wave.number),
        ], st, width),
        Spacer(1, 4 * mm),
        lines_table(
            [_("No."), _("SKU"), _("Name"), _("Model/colour/size"), _("Quantity"), _("Remarks")],
            rows, [w * width for w in (0.07, 0.2, 0.28, 0.2, 0.1, 0.15)], {4}, st,
            total=["", _("Total"), "", "", plain(total), ""],
        ),
    ]
    if order.buyer_message:
        story += [Spacer(1, 4 * mm), para(_("Buyer message"), st["label"]), para(order.buyer_message, st["value"])]
    if order.seller_remark:
        story += [Spacer(1, 2 * mm), para(_("Seller remark"), st["label"]), para(order.seller_remark, st["value"])]
    story += [Spacer(1, 10 * mm), signatures([_("Picked by"), _("Packed by"), _("Checked by")], st, width)]
    return story


def delivery_notes_pdf(parcels) -> bytes:
    """发货单: one A4 page per parcel (the order, the receiver, every item with model/colour/size
    and quantity, gifts marked, the buyer's message), in wave order."""
    st = styles()
    width = A4[0] - 28 * mm
    story = []
    for parcel in parcels_for_print(parcels):
        if story:
            story.append(PageBreak())
        story += _delivery_note_story(parcel, st, width)
    if not story:
        story = [para(_("Delivery note"), st["title"]), para(_("No parcels to print."), st["sub"])]
    return build(story, _("Delivery note"))


def delivery_note_pdf(parcel: Parcel) -> bytes:
    return delivery_notes_pdf([parcel])


# ---------------------------------------------------------------- waybill 快递单 (100×180 mm)


def _label_styles() -> dict[str, ParagraphStyle]:
    name = font()
    return {
        "region": ParagraphStyle("region", fontName=name, fontSize=17, leading=20),
        "receiver": ParagraphStyle("receiver", fontName=name, fontSize=15, leading=18),
        "address": ParagraphStyle("address", fontName=name, fontSize=12, leading=15),
        "sender": ParagraphStyle("sender", fontName=name, fontSize=8.5, leading=10.5),
        "items": ParagraphStyle("items", fontName=name, fontSize=9, leading=11.5),
        "small": ParagraphStyle("small", fontName=name, fontSize=7.5, leading=9),
    }


def _barcode(value: str, *, height: float, max_width: float) -> Code128:
    """Code128 of `value`, as wide as fits (bars never thinner than a thermal printer's dot)."""
    probe = Code128(value, barWidth=1, barHeight=height, humanReadable=False, quiet=False)
    bar = max(0.2 * mm, min(0.5 * mm, max_width / probe.width))
    return Code128(value, barWidth=bar, barHeight=height, humanReadable=False, quiet=False)


def _draw_in(canvas: Canvas, flowables: list, x: float, y_top: float, w: float, h: float) -> None:
    """Flowables in the box with its top-left corner at (x, y_top), shrunk to fit when too long."""
    frame = KeepInFrame(w, h, flowables, mode="shrink")
    _w, used = frame.wrapOn(canvas, w, h)
    frame.drawOn(canvas, x, y_top - used)


def _draw_waybill(canvas: Canvas, parcel: Parcel, st: dict, printed: str) -> None:
    order = parcel.order
    width, height = WAYBILL_SIZE
    left, inner = 4 * mm, width - 8 * mm
    name = font()
    canvas.setLineWidth(0.8)
    canvas.rect(2 * mm, 2 * mm, width - 4 * mm, height - 4 * mm)

    # courier and order (top band, 14 mm)
    top = height - 2 * mm
    canvas.setFont(name, 16)
    canvas.drawString(left, top - 9 * mm, printable(parcel.courier.name))
    canvas.setFont(name, 7.5)
    canvas.drawRightString(width - left, top - 5 * mm, printable(_("Order %(no)s") % {"no": order.platform_order_no}))
    canvas.drawRightString(width - left, top - 9 * mm, printable(f"{parcel.wave.number}  {printed}"))
    y = top - 13 * mm
    canvas.line(2 * mm, y, width - 2 * mm, y)

    # tracking number as Code128 and as text (32 mm)
    if parcel.tracking_no:
        code = _barcode(parcel.tracking_no, height=18 * mm, max_width=inner - 4 * mm)
        code.drawOn(canvas, (width - code.width) / 2, y - 22 * mm)
        canvas.setFont("Helvetica-Bold", 13)
        canvas.drawCentredString(width / 2, y - 28 * mm, parcel.tracking_no)
    else:
        canvas.setFont(name, 12)
        canvas.drawCentredString(width / 2, y - 15 * mm, printable(_("No tracking number yet")))
    y -= 31 * mm
    canvas.line(2 * mm, y, width - 2 * mm, y)

    # destination, big (like the couriers' 大头笔), and the receiver (50 mm)
    region = " ".join(p for p in (order.province, order.city) if p)
    receiver = " ".join(p for p in (order.receiver_name, order.receiver_mobile or order.receiver_phone) if p)
    _draw_in(canvas, [para(region, st["region"])], left + 7 * mm, y - 2 * mm, inner - 7 * mm, 9 * mm)
    canvas.setFont(name, 11)
    canvas.drawString(left, y - 17 * mm, printable(pgettext("waybill", "To")))
    _draw_in(canvas, [para(receiver, st["receiver"]), Spacer(1, 1 * mm), para(receiver_address(order), st["address"])],
             left + 7 * mm, y - 12 * mm, inner - 7 * mm, 36 * mm)
    y -= 50 * mm
    canvas.line(2 * mm, y, width - 2 * mm, y)

    # sender (18 mm)
    sender = sender_of(parcel)
    canvas.setFont(name, 9)
    canvas.drawString(left, y - 5 * mm, printable(pgettext("waybill", "From")))
    _draw_in(canvas, [para(" ".join(p for p in (sender.name, sender.phone) if p), st["sender"]),
                      para(sender.address, st["sender"])], left + 7 * mm, y - 2 * mm, inner - 7 * mm, 14 * mm)
    y -= 18 * mm
    canvas.line(2 * mm, y, width - 2 * mm, y)

    # contents: model/colour/size joined by ";" (34 mm)
    lines = list(order.lines.all())
    count = sum((line.quantity for line in lines), Decimal(0))
    canvas.setFont(name, 8)
    canvas.drawString(left, y - 4.5 * mm, printable(_("Contents (%(n)s pieces)") % {"n": plain(count)}))
    _draw_in(canvas, [para(items_text(lines), st["items"])], left, y - 6 * mm, inner, 27 * mm)
    y -= 34 * mm
    canvas.line(2 * mm, y, width - 2 * mm, y)

    # receipt stub: tracking number again (small), order number, weight, signature
    if parcel.tracking_no:
        stub = _barcode(parcel.tracking_no, height=9 * mm, max_width=inner * 0.55)
        stub.drawOn(canvas, left, y - 12 * mm)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(left, y - 15.5 * mm, parcel.tracking_no)
    canvas.setFont(name, 8)
    right = width - left
    canvas.drawRightString(right, y - 5 * mm, printable(_("Order %(no)s") % {"no": order.platform_order_no}))
    if parcel.weight:
        canvas.drawRightString(right, y - 9 * mm, printable(_("Weight %(kg)s kg") % {"kg": _weight(parcel.weight)}))
    canvas.drawRightString(right, y - 15 * mm, printable(_("Signed for by") + "：________"))
    y -= 18 * mm
    _draw_in(canvas, [para(_("Please check the goods before you sign."), st["small"])], left, y - 1 * mm, inner,
             8 * mm)


def waybills_pdf(parcels) -> bytes:
    """快递单: one 100×180 mm label per parcel — courier, Code128 of the tracking number with the
    number under it, destination and receiver large, sender, contents as model/colour/size
    joined by ";", order number. A whole wave prints as one PDF."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=WAYBILL_SIZE, pageCompression=1)
    canvas.setTitle(_("Waybill"))
    st = _label_styles()
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    parcels = parcels_for_print(parcels)
    for parcel in parcels:
        _draw_waybill(canvas, parcel, st, printed)
        canvas.showPage()
    if not parcels:
        canvas.setFont(font(), 12)
        canvas.drawCentredString(WAYBILL_SIZE[0] / 2, WAYBILL_SIZE[1] / 2, printable(_("No parcels to print.")))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def waybill_pdf(parcel: Parcel) -> bytes:
    return waybills_pdf([parcel])


# ---------------------------------------------------------------- handover list 交接单


def handover_pdf(handover: Handover) -> bytes:
    """交接单: the parcels one courier's driver takes — count, total weight, a row per tracking
    number with its weight — and signatures of the warehouse and the driver."""
    st = styles()
    width = A4[0] - 28 * mm
    parcels = list(handover.parcels.select_related("order").order_by("shipped_at", "id"))
    total = sum((p.weight or Decimal(0) for p in parcels), Decimal(0))
    story = [
        para(_("Courier handover list"), st["title"]),
        para(handover.number, st["sub"]),
        Spacer(1, 4 * mm),
        header_table([
            (_("Courier"), str(handover.courier)),
            (_("Warehouse"), str(handover.warehouse)),
            (_("Parcels"), str(handover.parcel_count)),
            (_("Total weight (kg)"), _weight(handover.total_weight)),
            (_("Created"), _when(handover.created_at)),
            (_("Created by"), person(handover.created_by)),
        ], st, width),
        Spacer(1, 4 * mm),
        lines_table(
            [_("No."), _("Tracking number"), _("Order number"), _("Destination"), _("Shipped at"), _("Weight (kg)")],
            [[n, p.tracking_no, p.order.platform_order_no, " ".join(x for x in (p.order.province, p.order.city) if x),
              _when(p.shipped_at), _weight(p.weight)] for n, p in enumerate(parcels, 1)],
            [w * width for w in (0.07, 0.25, 0.22, 0.18, 0.16, 0.12)], {5}, st,
            total=["", _("Total"), _("%(n)s parcels") % {"n": len(parcels)}, "", "", plain(total)],
        ),
        Spacer(1, 12 * mm),
        signatures([_("Handed over by (warehouse)"), _("Received by (driver)"), _("Date and time")], st, width),
    ]
    return build(story, f"{_('Courier handover list')} {handover.number}")
