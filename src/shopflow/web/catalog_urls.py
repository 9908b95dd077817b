"""The catalog area's own pages (beyond the generic document and master-data pages), and what
they add to the menu and to detail pages (web.extensions).

- /catalog/styles/<id>/ — a style 款号 and its colour × size grid of SKUs
- /catalog/bundles/ — bundles 套餐 and their components
- /catalog/boms/ — bills of materials, their versions and explosion
- /catalog/sku-search/ — the options of every SKU picker (htmx)
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from shopflow.catalog.models import ProductKind
from shopflow.catalog.roles import user_may_bom
from shopflow.core.masterdata import get_list, user_may_list
from shopflow.web.extensions import DetailLink, register_page, register_record_links
from shopflow.web.views import catalog as views

urlpatterns = [
    path("sku-search/", views.sku_search_view, name="catalog_sku_search"),
    path("styles/<int:pk>/", views.style_page, name="catalog_style"),
    path("styles/<int:pk>/<slug:action>/", views.style_active, name="catalog_style_active"),
    path("styles/<int:pk>/colours/<int:colour_pk>/rename/", views.colour_rename, name="catalog_colour_rename"),
    path("styles/<int:pk>/<slug:what>/<int:line_pk>/<slug:action>/", views.grid_line_active,
         name="catalog_grid_line_active"),
    path("bundles/", views.bundle_list_view, name="catalog_bundles"),
    path("bundles/new/", views.bundle_new, name="catalog_bundle_new"),
    path("bundles/<int:pk>/", views.bundle_page, name="catalog_bundle"),
    path("boms/", views.bom_list_view, name="catalog_boms"),
    path("boms/new/", views.bom_new, name="catalog_bom_new"),
    path("boms/<int:pk>/", views.bom_page, name="catalog_bom"),
    path("boms/<int:pk>/copy/", views.bom_copy, name="catalog_bom_copy"),
    path("boms/<int:pk>/<slug:action>/", views.bom_action, name="catalog_bom_action"),
]


def _may_list(key: str, action: str):
    return lambda user: user_may_list(user, get_list(key), action)


register_page(area="catalog", label=_("Bundles"), url_name="web:catalog_bundles", allowed=_may_list("skus", "view"))
register_page(area="catalog", label=_("Bills of materials"), url_name="web:catalog_boms",
              allowed=lambda user: user_may_bom(user, "view"))


def style_links(style, user) -> list[DetailLink]:
    if style is None:
        return []
    return [DetailLink(_("Colours and sizes"), reverse("web:catalog_style", args=[style.pk]), "list", primary=True)]


def sku_links(sku, user) -> list[DetailLink]:
    if sku is None:  # the SKU list page
        links = [DetailLink(_("Bundles"), reverse("web:catalog_bundles"), "package")]
        if user_may_bom(user, "view"):
            links.append(DetailLink(_("Bills of materials"), reverse("web:catalog_boms"), "clipboard-list"))
        return links
    if sku.kind == ProductKind.BUNDLE:
        return [DetailLink(_("Bundle components"), reverse("web:catalog_bundle", args=[sku.pk]), "package",
                           primary=True)]
    links = []
    if sku.style_id:
        links.append(DetailLink(_("Style %(code)s") % {"code": sku.style.code},
                                reverse("web:catalog_style", args=[sku.style_id]), "list"))
    if user_may_bom(user, "view"):
        links.append(DetailLink(_("Bills of materials"), f"{reverse('web:catalog_boms')}?product={sku.pk}",
                                "clipboard-list"))
    return links


register_record_links("styles", style_links)
register_record_links("skus", sku_links)


def bom_line_links(line, user) -> list[DetailLink]:
    """A BOM line is edited on its BOM's page (the generic record page sends people there)."""
    if line is None:
        return [DetailLink(_("Bills of materials"), reverse("web:catalog_boms"), "clipboard-list")]
    return [DetailLink(_("BOM"), reverse("web:catalog_bom", args=[line.bom_id]), "clipboard-list", primary=True)]


def bundle_component_links(line, user) -> list[DetailLink]:
    if line is None:
        return [DetailLink(_("Bundles"), reverse("web:catalog_bundles"), "package")]
    return [DetailLink(_("Bundle components"), reverse("web:catalog_bundle", args=[line.bundle_id]), "package",
                       primary=True)]


register_record_links("bom-lines", bom_line_links)
register_record_links("bundle-components", bundle_component_links)
