"""Catalogue admin for superusers: the tree, grids, bundles and BOMs change only through
catalog.services (cycle checks, grid codes, audit); SKUs allow small corrections here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shopflow.catalog.barcodes import validate_barcode
from shopflow.catalog.models import (
    Bom,
    BomLine,
    BundleLine,
    Category,
    Sku,
    Style,
    StyleColour,
    StyleSize,
)
from shopflow.core.admin import ReadOnlyAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "parent", "sort_order", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


class StyleColourInline(ReadOnlyInline):
    model = StyleColour
    fields = ("code", "name", "sort_order", "active")


class StyleSizeInline(ReadOnlyInline):
    model = StyleSize
    fields = ("code", "sort_order", "active")


@admin.register(Style)
class StyleAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "category", "kind", "unit", "cost", "list_price", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    inlines = [StyleColourInline, StyleSizeInline]


class SkuAdminForm(forms.ModelForm):
    class Meta:
        model = Sku
        fields = ("code", "name", "category", "colour", "size", "unit", "barcode", "weight", "cost", "list_price")

    def clean_barcode(self):
        barcode = self.cleaned_data["barcode"].strip()
        validate_barcode(barcode)
        if barcode and Sku.objects.filter(barcode=barcode).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Barcode %(barcode)s already belongs to another SKU.") % {"barcode": barcode})
        return barcode


class BundleLineInline(ReadOnlyInline):
    model = BundleLine
    fk_name = "bundle"
    fields = ("line_no", "component", "quantity")


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    form = SkuAdminForm
    list_display = ("code", "name", "kind", "colour", "size", "unit", "barcode", "cost", "list_price", "active")
    search_fields = ("code", "name", "barcode")
    list_filter = ("kind", "active")
    # Grid links, kind and active change through the services (they keep grids and bundles whole).
    readonly_fields = ("kind", "style", "style_colour", "style_size", "active")
    fields = SkuAdminForm.Meta.fields + readonly_fields
    inlines = [BundleLineInline]

    def has_delete_permission(self, request, obj=None):
        return False  # stock and documents refer to SKUs: retire them instead


class BomLineInline(ReadOnlyInline):
    model = BomLine
    fields = ("line_no", "component", "quantity", "scrap_percent", "remarks")


@admin.register(Bom)
class BomAdmin(ReadOnlyAdmin):
    list_display = ("product", "version", "is_default", "active", "updated_at")
    list_filter = ("is_default", "active")
    search_fields = ("product__code", "product__name", "version")
    inlines = [BomLineInline]
