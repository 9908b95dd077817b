"""Products: the category tree, styles 款号 with colour × size SKUs, bundles 套餐 and BOMs."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY, QTY
from shopflow.core.validators import validate_not_negative, validate_positive

CATEGORY_PATH_SEPARATOR = "/"
WEIGHT = {"max_digits": 12, "decimal_places": 3}  # kg
PERCENT = {"max_digits": 7, "decimal_places": 4}


def validate_category_name(value: str) -> None:
    """The full path 服装/上装/T恤 joins names with "/", so a name may not contain one."""
    if CATEGORY_PATH_SEPARATOR in value:
        raise ValidationError(_("A category name may not contain “/”."), code="slash_in_name")


def validate_scrap_percent(value) -> None:
    if value is not None and not 0 <= Decimal(value) < 100:
        raise ValidationError(_("Scrap must be at least 0 % and below 100 %."), code="scrap_out_of_range")


class ProductKind(models.TextChoices):
    BOUGHT = "bought", _("Bought")  # 外购
    MADE = "made", _("Made in-house")  # 自制
    OUTSOURCED = "outsourced", _("Outsourced")  # 委外
    SERVICE = "service", _("Service")  # 服务
    TOOLING = "tooling", _("Tooling")  # 工装治具
    BUNDLE = "bundle", _("Bundle")  # 套餐: sold as one SKU, consumes its components


# A style is something bought, made, outsourced...; only a single SKU can be a bundle.
STYLE_KINDS = [(value, label) for value, label in ProductKind.choices if value != ProductKind.BUNDLE]


class Category(models.Model):
    """A node of the category tree; its full path is "服装/上装/T恤" (see selectors.category_path)."""

    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent category")
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, validators=[validate_category_name])
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="catalog_category_code_not_blank"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="catalog_category_not_own_parent"),
            # Sibling names are unique, so a path names one category. NULL parents are distinct in
            # a plain unique index, hence the separate constraint for the roots.
            models.UniqueConstraint(fields=["parent", "name"], condition=Q(parent__isnull=False),
                                    name="catalog_category_sibling_name_uniq"),
            models.UniqueConstraint(fields=["name"], condition=Q(parent__isnull=True),
                                    name="catalog_category_root_name_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Style(models.Model):
    """A style 款号: what the seller designs and lists; its SKUs are the colour × size grid."""

    code = models.CharField(_("style code"), max_length=32, unique=True, help_text=_("款号, unique"))
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        Category, models.PROTECT, null=True, blank=True, related_name="styles", verbose_name=_("category")
    )
    kind = models.CharField(_("product kind"), max_length=16, choices=STYLE_KINDS, default=ProductKind.BOUGHT)
    unit = models.CharField(_("unit"), max_length=16, default="件")
    weight = models.DecimalField(_("weight (kg)"), default=0, validators=[validate_not_negative], **WEIGHT)
    cost = models.DecimalField(_("cost"), default=0, validators=[validate_not_negative], **MONEY)
    list_price = models.DecimalField(_("list price"), default=0, validators=[validate_not_negative], **MONEY)
    remarks = models.TextField(_("remarks"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("style")
        verbose_name_plural = _("styles")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="catalog_style_code_not_blank"),
            models.CheckConstraint(condition=~Q(kind=ProductKind.BUNDLE), name="catalog_style_not_bundle"),
            models.CheckConstraint(condition=Q(weight__gte=0, cost__gte=0, list_price__gte=0),
                                   name="catalog_style_amounts_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StyleColour(models.Model):
    """A colour of a style: the code goes into the SKU code (黑色 → BLK), the name onto the SKU."""

    style = models.ForeignKey(Style, models.CASCADE, related_name="colours", verbose_name=_("style"))
    code = models.CharField(_("colour code"), max_length=16)
    name = models.CharField(_("colour"), max_length=40)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["style", "sort_order", "id"]
        verbose_name = _("style colour")
        verbose_name_plural = _("style colours")
        constraints = [
            models.CheckConstraint(condition=~Q(code="") & ~Q(name=""), name="catalog_stylecolour_not_blank"),
            models.UniqueConstraint(fields=["style", "code"], name="catalog_stylecolour_code_uniq"),
            models.UniqueConstraint(fields=["style", "name"], name="catalog_stylecolour_name_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StyleSize(models.Model):
    """A size of a style (S, M, XL, 160/84A); it goes into the SKU code as it is."""

    style = models.ForeignKey(Style, models.CASCADE, related_name="sizes", verbose_name=_("style"))
    code = models.CharField(_("size"), max_length=20)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["style", "sort_order", "id"]
        verbose_name = _("style size")
        verbose_name_plural = _("style sizes")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="catalog_stylesize_not_blank"),
            models.UniqueConstraint(fields=["style", "code"], name="catalog_stylesize_code_uniq"),
        ]

    def __str__(self) -> str:
        return self.code


class Sku(models.Model):
    """A stock-keeping unit with the unified item code 商家编码. SKUs of a style sit on its
    colour × size grid (style, style_colour, style_size all set, colour/size copied as text);
    others (raw materials, tooling, bundles) stand alone with all three empty."""

    code = models.CharField(_("item code"), max_length=64, unique=True, help_text=_("商家编码, unique"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("product kind"), max_length=16, choices=ProductKind.choices,
                            default=ProductKind.BOUGHT)
    category = models.ForeignKey(
        Category, models.PROTECT, null=True, blank=True, related_name="skus", verbose_name=_("category")
    )
    style = models.ForeignKey(Style, models.PROTECT, null=True, blank=True, related_name="skus",
                              verbose_name=_("style"))
    style_colour = models.ForeignKey(StyleColour, models.PROTECT, null=True, blank=True, related_name="skus",
                                     verbose_name=_("style colour"))
    style_size = models.ForeignKey(StyleSize, models.PROTECT, null=True, blank=True, related_name="skus",
                                   verbose_name=_("style size"))
    colour = models.CharField(_("colour"), max_length=40, blank=True, default="")
    size = models.CharField(_("size"), max_length=20, blank=True, default="")
    unit = models.CharField(_("unit"), max_length=16, default="件")
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, default="")
    weight = models.DecimalField(_("weight (kg)"), default=0, validators=[validate_not_negative], **WEIGHT)
    cost = models.DecimalField(_("cost"), default=0, validators=[validate_not_negative], **MONEY)
    list_price = models.DecimalField(_("list price"), default=0, validators=[validate_not_negative], **MONEY)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        constraints = [
            models.CheckConstraint(
                condition=Q(style__isnull=True, style_colour__isnull=True, style_size__isnull=True)
                | Q(style__isnull=False, style_colour__isnull=False, style_size__isnull=False),
                name="catalog_sku_grid_link_complete",
            ),
            models.UniqueConstraint(fields=["style_colour", "style_size"], name="catalog_sku_grid_cell_uniq"),
            models.CheckConstraint(condition=Q(weight__gte=0, cost__gte=0, list_price__gte=0),
                                   name="catalog_sku_amounts_not_negative"),
            # Blank means "no barcode yet"; any barcode that is given belongs to one SKU.
            models.UniqueConstraint(fields=["barcode"], condition=~Q(barcode=""), name="catalog_sku_barcode_uniq"),
        ]

    def __str__(self) -> str:
        spec = "/".join(p for p in (self.colour, self.size) if p)
        return f"{self.code} {self.name}" + (f" ({spec})" if spec else "")


class BarcodeSequence(models.Model):
    """The last item reference used for generated EAN-13 barcodes under one GS1 prefix; the row
    is locked while incremented (see barcodes.ean13_next)."""

    prefix = models.CharField(max_length=12, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class BundleLine(models.Model):
    """One component of a bundle 套餐: selling one bundle consumes `quantity` of `component`."""

    bundle = models.ForeignKey(Sku, models.CASCADE, related_name="bundle_lines", verbose_name=_("bundle"))
    line_no = models.PositiveIntegerField(_("line"), default=1)
    component = models.ForeignKey(Sku, models.PROTECT, related_name="+", verbose_name=_("component"))
    quantity = models.DecimalField(_("quantity"), validators=[validate_positive], **QTY)

    class Meta:
        ordering = ["bundle", "line_no", "id"]
        verbose_name = _("bundle component")
        verbose_name_plural = _("bundle components")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="catalog_bundleline_qty_positive"),
            models.CheckConstraint(condition=~Q(component=models.F("bundle")), name="catalog_bundleline_not_self"),
            models.UniqueConstraint(fields=["bundle", "component"], name="catalog_bundleline_component_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id}: {self.component_id} × {self.quantity}"


class Bom(models.Model):
    """A bill of materials 物料清单 for one product SKU. A product may have several versions;
    at most one is the default, which explosion uses unless a version is asked for."""

    product = models.ForeignKey(Sku, models.PROTECT, related_name="boms", verbose_name=_("product"))
    version = models.CharField(_("version"), max_length=20)
    is_default = models.BooleanField(_("default version"), default=False)
    active = models.BooleanField(_("active"), default=True)
    remarks = models.TextField(_("remarks"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["product", "version"]
        verbose_name = _("BOM")
        verbose_name_plural = _("BOMs")
        constraints = [
            models.CheckConstraint(condition=~Q(version=""), name="catalog_bom_version_not_blank"),
            models.UniqueConstraint(fields=["product", "version"], name="catalog_bom_product_version_uniq"),
            models.UniqueConstraint(fields=["product"], condition=Q(is_default=True),
                                    name="catalog_bom_one_default_per_product"),
            models.CheckConstraint(condition=Q(active=True) | Q(is_default=False), name="catalog_bom_default_active"),
        ]

    def __str__(self) -> str:
        return f"BOM {self.product_id} {self.version}"


class BomLine(models.Model):
    """A component of a BOM: `quantity` per unit of the product, plus `scrap_percent` 损耗率
    (5 means 5 % more is issued: quantity × 1.05)."""

    bom = models.ForeignKey(Bom, models.CASCADE, related_name="lines", verbose_name=_("BOM"))
    line_no = models.PositiveIntegerField(_("line"), default=1)
    component = models.ForeignKey(Sku, models.PROTECT, related_name="+", verbose_name=_("component"))
    quantity = models.DecimalField(_("quantity per unit"), validators=[validate_positive], **QTY)
    scrap_percent = models.DecimalField(_("scrap %"), default=0, validators=[validate_scrap_percent], **PERCENT)
    remarks = models.CharField(_("remarks"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["bom", "line_no", "id"]
        verbose_name = _("BOM line")
        verbose_name_plural = _("BOM lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="catalog_bomline_qty_positive"),
            models.CheckConstraint(condition=Q(scrap_percent__gte=0, scrap_percent__lt=100),
                                   name="catalog_bomline_scrap_range"),
            models.UniqueConstraint(fields=["bom", "component"], name="catalog_bomline_component_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.bom_id}: {self.component_id} × {self.quantity} (+{self.scrap_percent}%)"
