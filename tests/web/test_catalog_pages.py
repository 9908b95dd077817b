"""The catalogue's pages: the style's colour × size grid, the bundle and BOM editors with the
explosion, the SKU picker's search, the category and style lists — per role, with every error
where the user typed it."""

import re
from decimal import Decimal

import pytest

from shopflow.catalog import services
from shopflow.catalog.models import Bom, BundleLine, Category, ProductKind, Sku, StyleColour, StyleSize
from shopflow.catalog.services import BomLineSpec
from shopflow.purchasing.models import PurchaseOrder
from tests.web.conftest import PO

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of(client_of, settings):
    """Pages in English here, so assertions read the messages' msgids."""

    def make(user):
        client = client_of(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make

STYLE_EDITORS = {"manager", "operations", "purchasing", "planning"}


def error_for(page: str, path: str) -> list[str]:
    """The messages shown for a field (data-error-for="lines[1].scrap_percent")."""
    return re.findall(rf'data-error-for="{re.escape(path)}"[^>]*>([^<]+)<', page)


@pytest.fixture
def style(manager):
    return services.style_create(code="TX24", name="纯棉T恤", cost=30, list_price=89, actor=manager)


@pytest.fixture
def grid(style, manager):
    services.style_generate_skus(style=style, colours=[("BLK", "黑色"), ("WHT", "白色")], sizes=["M", "L"],
                                 actor=manager)
    return style


def sku(code: str) -> Sku:
    return Sku.objects.get(code=code)


# ---------------------------------------------------------------- the style page


def test_the_grid_shows_colours_as_rows_and_sizes_as_columns(grid, client_of, role_user):
    page = client_of(role_user("finance")).get(f"/catalog/styles/{grid.pk}/").content.decode()
    assert re.findall(r'data-size="([^"]+)"', page) == ["M", "L"]
    assert re.findall(r'<tr data-colour="([^"]+)"', page) == ["BLK", "WHT"]
    cells = re.findall(r'data-cell="([^"]+)">\s*<a href="/m/skus/\d+/">([^<]+)</a>', page)
    assert cells == [("BLK-M", "TX24-BLK-M"), ("BLK-L", "TX24-BLK-L"), ("WHT-M", "TX24-WHT-M"),
                     ("WHT-L", "TX24-WHT-L")]
    # a viewer sees the grid, not the forms
    assert 'id="sf-grid-form"' not in page and "data-retire-colour" not in page


def test_generate_adds_colours_and_sizes_with_barcodes(style, client_of, manager):
    client = client_of(manager)
    response = client.post(f"/catalog/styles/{style.pk}/", {
        "colour-0-code": "BLK", "colour-0-name": "黑色", "colour-1-code": "", "colour-1-name": "",
        "colour-2-code": "GRY", "colour-2-name": "灰色", "sizes": "S, M、L", "barcode": "code128"})
    assert response.status_code == 302 and response["Location"] == f"/catalog/styles/{style.pk}/"
    codes = set(Sku.objects.filter(style=style).values_list("code", "barcode"))
    assert codes == {(f"TX24-{c}-{s}", f"TX24-{c}-{s}") for c in ("BLK", "GRY") for s in ("S", "M", "L")}
    page = client.get(response["Location"]).content.decode()
    assert "6 SKUs created, 0 existing SKUs linked; 2 colours and 3 sizes added." in page
    # again with one more size: only the new column is made, with EAN-13 barcodes
    client.post(f"/catalog/styles/{style.pk}/", {"colour-0-code": "", "colour-0-name": "", "sizes": "XL",
                                                 "barcode": "ean13"})
    xl = Sku.objects.filter(style=style, size="XL")
    assert xl.count() == 2 and all(len(s.barcode) == 13 and s.barcode.startswith("200") for s in xl)
    assert Sku.objects.filter(style=style).count() == 8


def test_generate_errors_are_shown_on_the_row_and_field_they_are_about(grid, client_of, manager):
    services.style_size_retire(size=StyleSize.objects.get(style=grid, code="L"), actor=manager)
    response = client_of(manager).post(f"/catalog/styles/{grid.pk}/", {
        "colour-0-code": "RED", "colour-0-name": "红色",
        "colour-1-code": "", "colour-1-name": "",
        "colour-2-code": "B-K", "colour-2-name": "深黑",     # "-" is not allowed in a colour code
        "colour-3-code": "NVY", "colour-3-name": "黑色",     # the name belongs to BLK already
        "sizes": "XL L", "barcode": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert error_for(page, "colours[2].code") == ["A colour code may not contain “-”."]
    assert error_for(page, "colours[3].name") == ["Colour 黑色 already has the code BLK."]
    assert error_for(page, "sizes") == ["Size L is retired; restore it first."]
    assert 'value="B-K"' in page and 'value="XL L"' in page  # what was typed is kept
    assert Sku.objects.filter(style=grid).count() == 4 and not StyleColour.objects.filter(code="RED").exists()


def test_a_style_without_colours_says_so_on_the_colours(style, client_of, manager):
    page = client_of(manager).post(f"/catalog/styles/{style.pk}/", {"sizes": "M"}).content.decode()
    assert error_for(page, "colours") == ["The style needs at least one colour."]


def test_retire_and_restore_a_colour_and_a_size(grid, client_of, manager):
    client = client_of(manager)
    black = StyleColour.objects.get(style=grid, code="BLK")
    size_l = StyleSize.objects.get(style=grid, code="L")
    assert client.post(f"/catalog/styles/{grid.pk}/colour/{black.pk}/retire/").status_code == 302
    assert not sku("TX24-BLK-M").active and sku("TX24-WHT-M").active
    client.post(f"/catalog/styles/{grid.pk}/size/{size_l.pk}/retire/")
    assert not sku("TX24-WHT-L").active
    page = client.get(f"/catalog/styles/{grid.pk}/").content.decode()
    assert 'data-restore-colour="BLK"' in page and 'data-restore-size="L"' in page
    client.post(f"/catalog/styles/{grid.pk}/colour/{black.pk}/restore/")
    assert sku("TX24-BLK-M").active and not sku("TX24-BLK-L").active  # L is still retired
    client.post(f"/catalog/styles/{grid.pk}/size/{size_l.pk}/restore/")
    assert Sku.objects.filter(style=grid, active=True).count() == 4


def test_a_colour_of_another_style_is_not_found(grid, client_of, manager):
    other = services.style_create(code="WY01", name="卫衣", actor=manager)
    black = StyleColour.objects.get(style=grid, code="BLK")
    assert client_of(manager).post(f"/catalog/styles/{other.pk}/colour/{black.pk}/retire/").status_code == 404
    assert sku("TX24-BLK-M").active


def test_rename_a_colour(grid, client_of, manager):
    client = client_of(manager)
    black = StyleColour.objects.get(style=grid, code="BLK")
    assert client.post(f"/catalog/styles/{grid.pk}/colours/{black.pk}/rename/", {"name": "曜石黑"}).status_code == 302
    assert sku("TX24-BLK-M").colour == "曜石黑"
    response = client.post(f"/catalog/styles/{grid.pk}/colours/{black.pk}/rename/", {"name": "白色"})
    assert response.status_code == 400
    page = response.content.decode()
    assert error_for(page, "rename") == ["The style already has a colour 白色."]
    assert sku("TX24-BLK-M").colour == "曜石黑"


@pytest.mark.parametrize("role", ["warehouse", "finance", "customer_service"])
def test_roles_that_may_only_view_styles_get_403(grid, role, role_user, client_of):
    client = client_of(role_user(role))
    black = StyleColour.objects.get(style=grid, code="BLK")
    assert client.get(f"/catalog/styles/{grid.pk}/").status_code == 200
    assert client.post(f"/catalog/styles/{grid.pk}/", {"colour-0-code": "RED", "colour-0-name": "红色",
                                                       "sizes": "M"}).status_code == 403
    assert client.post(f"/catalog/styles/{grid.pk}/colour/{black.pk}/retire/").status_code == 403
    assert client.post(f"/catalog/styles/{grid.pk}/colours/{black.pk}/rename/", {"name": "x"}).status_code == 403
    assert client.post(f"/catalog/styles/{grid.pk}/retire/").status_code == 403
    assert not StyleColour.objects.filter(code="RED").exists() and sku("TX24-BLK-M").active


def test_retire_and_restore_the_style(grid, client_of, manager):
    client = client_of(manager)
    client.post(f"/catalog/styles/{grid.pk}/retire/")
    assert not Sku.objects.filter(style=grid, active=True).exists()
    page = client.get(f"/catalog/styles/{grid.pk}/").content.decode()
    assert 'id="sf-style-restore"' in page and 'id="sf-grid-form"' not in page
    client.post(f"/catalog/styles/{grid.pk}/restore/")
    assert Sku.objects.filter(style=grid, active=True).count() == 4


def test_the_style_form_links_to_its_grid(grid, client_of, manager):
    page = client_of(manager).get(f"/m/styles/{grid.pk}/").content.decode()
    assert f'href="/catalog/styles/{grid.pk}/"' in page
    sku_page = client_of(manager).get(f"/m/skus/{sku('TX24-BLK-M').pk}/").content.decode()
    assert f'href="/catalog/styles/{grid.pk}/"' in sku_page


# ---------------------------------------------------------------- the category and style lists


def test_category_form_refuses_a_cycle_on_the_parent_field(client_of, manager):
    top = services.category_create(code="C1", name="服装", actor=manager)
    child = services.category_create(code="C11", name="上装", parent=top, actor=manager)
    client = client_of(manager)
    response = client.post(f"/m/categories/{top.pk}/", {"code": "C1", "name": "服装", "parent": child.pk,
                                                         "sort_order": "0", "active": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert error_for(page, "parent") == [
        "Cannot move 服装 under 服装/上装: that is the category itself or one below it."]
    assert Category.objects.get(pk=top.pk).parent is None
    response = client.post("/m/categories/new/", {"code": "C2", "name": "配件", "parent": top.pk, "sort_order": "",
                                                  "active": "on"})
    assert response.status_code == 302 and Category.objects.get(code="C2").parent == top


def test_category_and_style_lists_export(client_of, role_user, grid):
    client = client_of(role_user("finance"))
    assert client.get("/m/styles/").status_code == 200
    response = client.get("/m/styles/export.csv")
    assert response.status_code == 200 and "TX24" in response.content.decode("utf-8-sig")
    assert client.get("/m/categories/export.xlsx").status_code == 200
    assert client.get("/m/styles/import/").status_code == 403


# ---------------------------------------------------------------- bundles


@pytest.fixture
def parts(manager):
    def make(code, **values):
        return services.sku_create(code=code, name=values.pop("name", code), actor=manager, **values)

    return {"tee": make("TS-01", name="T恤", barcode="6901234567892"), "socks": make("WZ-01", name="袜子"),
            "bag": make("BZ-01", name="手提袋"), "duo": make("TC-DUO", name="双件套", kind=ProductKind.BUNDLE)}


def bundle_form(lines) -> dict:
    data = {}
    for i, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{i}-{name}"] = value
    return data


def test_set_bundle_components(parts, client_of, manager):
    duo = parts["duo"]
    client = client_of(manager)
    response = client.post(f"/catalog/bundles/{duo.pk}/", bundle_form([
        {"component": parts["tee"].pk, "quantity": "1"},
        {"component": "", "component__text": "", "quantity": ""},  # an empty row is ignored
        {"component": "", "component__text": "WZ-01", "quantity": "2"},  # typed (or scanned) code
    ]))
    assert response.status_code == 302
    assert [(line.component.code, line.quantity) for line in duo.bundle_lines.all()] == [
        ("TS-01", Decimal("1")), ("WZ-01", Decimal("2"))]
    page = client.get(f"/catalog/bundles/{duo.pk}/").content.decode()
    assert 'value="TS-01 — T恤"' in page  # the picker shows the chosen SKU
    assert re.findall(r'<tr><td class="text-nowrap">([^<]+)</td>', page) == ["TS-01", "WZ-01"]  # what one consumes


def test_bad_bundle_lines_are_marked_on_their_row(parts, client_of, manager):
    duo = parts["duo"]
    response = client_of(manager).post(f"/catalog/bundles/{duo.pk}/", bundle_form([
        {"component": duo.pk, "quantity": "1"},            # itself
        {"component": parts["socks"].pk, "quantity": "0"},  # not a quantity
        {"component": "", "component__text": "NOPE", "quantity": "1"},  # no such SKU
    ]))
    assert response.status_code == 400
    page = response.content.decode()
    assert error_for(page, "lines[0].component") == ["TC-DUO cannot be its own component."]
    assert error_for(page, "lines[1].quantity") == ["Enter a number greater than zero."]
    assert error_for(page, "lines[2].component") == [
        "No SKU has the item code or barcode “NOPE”; type part of it and choose from the list."]
    assert 'value="NOPE"' in page and not BundleLine.objects.exists()


def test_a_bundle_inside_itself_is_refused_on_the_line_that_closes_the_loop(parts, client_of, manager):
    gift = services.bundle_create(code="TC-GIFT", name="礼盒", components=[(parts["duo"], 1), (parts["bag"], 1)],
                                  actor=manager)
    duo = parts["duo"]
    response = client_of(manager).post(f"/catalog/bundles/{duo.pk}/", bundle_form([
        {"component": parts["tee"].pk, "quantity": "1"}, {"component": gift.pk, "quantity": "1"}]))
    assert response.status_code == 400
    assert error_for(response.content.decode(), "lines[1].component") == [
        "Bundle contains itself: TC-DUO → TC-GIFT → TC-DUO."]
    assert not duo.bundle_lines.exists()


def test_create_a_bundle(parts, client_of, manager):
    client = client_of(manager)
    response = client.post("/catalog/bundles/new/", {
        "code": "TC-NEW", "name": "新套餐", "list_price": "99", "barcode": "", "category": "",
        **bundle_form([{"component": parts["tee"].pk, "quantity": "2"}])})
    bundle = Sku.objects.get(code="TC-NEW")
    assert response.status_code == 302 and response["Location"] == f"/catalog/bundles/{bundle.pk}/"
    assert (bundle.kind, bundle.list_price, bundle.bundle_lines.get().quantity) == ("bundle", 99, 2)
    response = client.post("/catalog/bundles/new/", {"code": "TC-NEW", "name": "", "list_price": "abc",
                                                     **bundle_form([{"component": parts["tee"].pk, "quantity": "1"}])})
    page = response.content.decode()
    assert response.status_code == 400
    assert error_for(page, "code") and error_for(page, "name") and error_for(page, "list_price")
    assert Sku.objects.filter(kind="bundle").count() == 2


def test_only_bundles_have_a_component_page(parts, client_of, manager):
    assert client_of(manager).get(f"/catalog/bundles/{parts['tee'].pk}/").status_code == 404


@pytest.mark.parametrize(("role", "allowed"), [("finance", False), ("designer", False), ("operations", True)])
def test_who_may_change_bundles(parts, role, allowed, role_user, client_of):
    client = client_of(role_user(role))
    duo = parts["duo"]
    assert client.get(f"/catalog/bundles/{duo.pk}/").status_code == 200
    assert client.get("/catalog/bundles/").status_code == 200
    response = client.post(f"/catalog/bundles/{duo.pk}/", bundle_form([{"component": parts["tee"].pk,
                                                                         "quantity": "1"}]))
    assert response.status_code == (302 if allowed else 403)
    assert client.get("/catalog/bundles/new/").status_code == (200 if allowed else 403)
    assert duo.bundle_lines.exists() is allowed


# ---------------------------------------------------------------- BOMs


@pytest.fixture
def bom_parts(manager):
    def make(code, kind="bought", unit="件"):
        return services.sku_create(code=code, name=code, kind=kind, unit=unit, actor=manager)

    return {"tee": make("TX-M", "made"), "panel": make("BJ-01", "made", "片"), "fabric": make("ML-01", unit="米"),
            "thread": make("XX-01", unit="卷"), "label": make("SB-01")}


def bom_form(version, lines, **header) -> dict:
    data = {"version": version, "remarks": "", **header}
    for i, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{i}-{name}"] = value
    return data


def test_create_a_bom_and_explode_it(bom_parts, client_of, manager):
    p = bom_parts
    client = client_of(manager)
    # the panel is made of fabric with 10 % scrap
    response = client.post("/catalog/boms/new/", bom_form("V1", [
        {"component": p["fabric"].pk, "quantity": "1.5", "scrap_percent": "10", "remarks": "主料"}],
        product=p["panel"].pk, is_default="1"))
    assert response.status_code == 302
    # a tee takes 2 panels (5 % scrap), thread and a label (typed by code)
    response = client.post("/catalog/boms/new/", bom_form("V1", [
        {"component": p["panel"].pk, "quantity": "2", "scrap_percent": "5"},
        {"component": p["thread"].pk, "quantity": "0.01", "scrap_percent": ""},
        {"component": "", "component__text": "SB-01", "quantity": "1", "scrap_percent": "0"},
    ], product="", product__text="TX-M", is_default="1"))
    bom = Bom.objects.get(product=p["tee"])
    assert response.status_code == 302 and response["Location"] == f"/catalog/boms/{bom.pk}/"
    assert bom.is_default and [line.component.code for line in bom.lines.all()] == ["BJ-01", "XX-01", "SB-01"]

    page = client.get(f"/catalog/boms/{bom.pk}/?qty=10&levels=all").content.decode()
    rows = re.findall(r'data-level="(\d)" data-code="([^"]+)">.*?data-needed>([^<]+)<', page, re.S)
    assert rows == [("1", "BJ-01", "21 片"), ("2", "ML-01", "34.65 米"), ("1", "XX-01", "0.1 卷"),
                    ("1", "SB-01", "10 件")]
    totals = re.findall(r'<tr data-code="([^"]+)">.*?data-total>([^<]+)<', page, re.S)
    assert totals == [("ML-01", "34.65 米"), ("XX-01", "0.1 卷"), ("SB-01", "10 件")]
    direct = client.get(f"/catalog/boms/{bom.pk}/?qty=10&levels=1").content.decode()
    assert re.findall(r'data-level="(\d)" data-code="([^"]+)"', direct) == [("1", "BJ-01"), ("1", "XX-01"),
                                                                           ("1", "SB-01")]
    bad = client.get(f"/catalog/boms/{bom.pk}/?qty=-1").content.decode()
    assert "must be a number greater than zero" in bad and 'id="sf-explosion-table"' not in bad


def test_bom_errors_are_placed_on_the_right_line(bom_parts, client_of, manager):
    p = bom_parts
    services.bom_create(product=p["panel"], version="V1", lines=[BomLineSpec(p["tee"], 1)], actor=manager)
    client = client_of(manager)
    # TX-M ← panel ← TX-M would be a cycle (line 1); 150 % scrap is out of range (line 2)
    response = client.post("/catalog/boms/new/", bom_form("V1", [
        {"component": p["fabric"].pk, "quantity": "1", "scrap_percent": "0"},
        {"component": p["panel"].pk, "quantity": "2", "scrap_percent": "0"},
    ], product=p["tee"].pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert error_for(page, "lines[1].component") == ["The BOM would contain itself: TX-M → BJ-01 → TX-M."]
    assert error_for(page, "lines[0].component") == []
    response = client.post("/catalog/boms/new/", bom_form("V1", [
        {"component": p["fabric"].pk, "quantity": "1", "scrap_percent": "0"},
        {"component": p["thread"].pk, "quantity": "1", "scrap_percent": "150"},
        {"component": p["label"].pk, "quantity": "x", "scrap_percent": "abc"},
    ], product=p["tee"].pk))
    page = response.content.decode()
    assert error_for(page, "lines[1].scrap_percent") == ["Scrap must be at least 0 % and below 100 %."]
    assert error_for(page, "lines[2].quantity") == ["Enter a number greater than zero."]
    assert len(error_for(page, "lines[2].scrap_percent")) == 1
    assert error_for(page, "lines[0].scrap_percent") == []
    assert 'value="150"' in page and not Bom.objects.filter(product=p["tee"]).exists()
    missing = client.post("/catalog/boms/new/", bom_form("V1", [{"component": p["fabric"].pk, "quantity": "1"}]))
    assert error_for(missing.content.decode(), "product") == ["Choose the product this BOM makes."]


def test_edit_copy_default_retire_restore(bom_parts, client_of, manager):
    p = bom_parts
    v1 = services.bom_create(product=p["tee"], version="V1", lines=[BomLineSpec(p["fabric"], 1)], actor=manager)
    client = client_of(manager)
    response = client.post(f"/catalog/boms/{v1.pk}/", bom_form("V1", [
        {"component": p["fabric"].pk, "quantity": "1.2", "scrap_percent": "3", "remarks": ""},
        {"component": p["label"].pk, "quantity": "1", "scrap_percent": "", "remarks": "领标"}], remarks="春季"))
    assert response.status_code == 302
    v1.refresh_from_db()
    assert v1.remarks == "春季" and [(line.quantity, line.scrap_percent) for line in v1.lines.all()] == [
        (Decimal("1.2"), Decimal("3")), (Decimal("1"), Decimal("0"))]
    # copy to V2, then V2 becomes the default
    response = client.post(f"/catalog/boms/{v1.pk}/copy/", {"version": "V2"})
    v2 = Bom.objects.get(product=p["tee"], version="V2")
    assert response["Location"] == f"/catalog/boms/{v2.pk}/" and v2.lines.count() == 2 and not v2.is_default
    duplicate = client.post(f"/catalog/boms/{v1.pk}/copy/", {"version": "V2"})
    assert duplicate.status_code == 400
    assert error_for(duplicate.content.decode(), "copy.version") == ["TX-M already has BOM version V2."]
    client.post(f"/catalog/boms/{v2.pk}/default/")
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v2.is_default and not v1.is_default
    # the default cannot be retired while another version is active: the page says why
    response = client.post(f"/catalog/boms/{v2.pk}/retire/", follow=True)
    assert "Version V2 is the default; make another version the default first." in response.content.decode()
    client.post(f"/catalog/boms/{v1.pk}/retire/")
    v1.refresh_from_db()
    assert not v1.active
    page = client.get(f"/catalog/boms/{v1.pk}/").content.decode()
    assert "BOM version V1 of TX-M is retired." in page  # the explosion says so
    client.post(f"/catalog/boms/{v1.pk}/restore/")
    v1.refresh_from_db()
    assert v1.active and not v1.is_default


def test_bom_list_search_and_product_filter(bom_parts, client_of, role_user, manager):
    p = bom_parts
    services.bom_create(product=p["tee"], version="V1", lines=[BomLineSpec(p["fabric"], 1)], actor=manager)
    services.bom_create(product=p["panel"], version="A", lines=[BomLineSpec(p["fabric"], 1)], actor=manager)
    client = client_of(role_user("warehouse"))
    page = client.get("/catalog/boms/").content.decode()
    assert re.findall(r'class="fw-medium">([^<]+)</a>', page) == ["BJ-01", "TX-M"]
    assert 'id="sf-new"' not in page  # the warehouse only looks
    assert re.findall(r'class="fw-medium">([^<]+)</a>', client.get("/catalog/boms/?q=tx").content.decode()) == [
        "TX-M"]
    filtered = client.get(f"/catalog/boms/?product={p['panel'].pk}").content.decode()
    assert re.findall(r'class="fw-medium">([^<]+)</a>', filtered) == ["BJ-01"]


@pytest.mark.parametrize("role", ["warehouse", "purchasing", "finance"])
def test_roles_without_bom_rights_get_403(bom_parts, role, role_user, client_of, manager):
    p = bom_parts
    bom = services.bom_create(product=p["tee"], version="V1", lines=[BomLineSpec(p["fabric"], 1)], actor=manager)
    client = client_of(role_user(role))
    assert client.get(f"/catalog/boms/{bom.pk}/").status_code == 200
    page = client.get(f"/catalog/boms/{bom.pk}/").content.decode()
    assert 'id="sf-bom-form"' not in page and 'id="sf-explosion-table"' in page
    assert client.get("/catalog/boms/new/").status_code == 403
    assert client.post("/catalog/boms/new/", bom_form("V9", [{"component": p["label"].pk, "quantity": "1"}],
                                                      product=p["panel"].pk)).status_code == 403
    assert client.post(f"/catalog/boms/{bom.pk}/", bom_form("V1", [{"component": p["label"].pk,
                                                                    "quantity": "1"}])).status_code == 403
    for action in ("retire", "default", "copy"):
        assert client.post(f"/catalog/boms/{bom.pk}/{action}/", {"version": "V2"}).status_code == 403
    bom.refresh_from_db()
    assert bom.active and Bom.objects.count() == 1 and bom.lines.get().component == p["fabric"]


def test_planning_may_edit_boms(bom_parts, role_user, client_of):
    response = client_of(role_user("planning")).post("/catalog/boms/new/", bom_form(
        "V1", [{"component": bom_parts["fabric"].pk, "quantity": "1"}], product=bom_parts["tee"].pk))
    assert response.status_code == 302 and Bom.objects.count() == 1


# ---------------------------------------------------------------- the SKU search behind every picker


@pytest.fixture
def catalogue(manager, grid):
    services.sku_create(code="ML-JB180", name="精梳棉布", barcode="6901234567892", actor=manager)
    services.bundle_create(code="TC-01", name="T恤两件套", actor=manager,
                           components=[(sku("TX24-BLK-M"), 1), (sku("TX24-WHT-M"), 1)])
    services.sku_retire(sku=sku("TX24-WHT-L"), actor=manager)


def options(page: str) -> list[str]:
    return re.findall(r'data-label="([^"]+)"', page)


def test_search_matches_code_name_and_barcode(catalogue, client_of, role_user):
    client = client_of(role_user("customer_service"))
    assert options(client.get("/catalog/sku-search/?q=TX24-BLK").content.decode()) == [
        "TX24-BLK-L — 纯棉T恤 黑色 L", "TX24-BLK-M — 纯棉T恤 黑色 M"]
    assert options(client.get("/catalog/sku-search/?q=精梳").content.decode()) == ["ML-JB180 — 精梳棉布"]
    page = client.get("/catalog/sku-search/?q=6901234567892").content.decode()
    assert options(page) == ["ML-JB180 — 精梳棉布"] and 'data-exact="1"' in page
    # every word must match; retired SKUs are not offered
    assert options(client.get("/catalog/sku-search/?q=T恤 白色").content.decode()) == [
        "TX24-WHT-M — 纯棉T恤 白色 M"]
    assert client.get("/catalog/sku-search/?q=").content.decode().strip() == ""
    assert "No active SKU matches" in client.get("/catalog/sku-search/?q=zzz").content.decode()


def test_search_reads_the_pickers_own_field_and_filters_kinds(catalogue, client_of, manager):
    client = client_of(manager)
    assert "TC-01 — T恤两件套" in options(client.get("/catalog/sku-search/?lines-3-sku__text=TC").content.decode())
    assert options(client.get("/catalog/sku-search/?q=TC&kinds=bought,made").content.decode()) == []


def test_search_limits_the_options(catalogue, client_of, manager):
    client = client_of(manager)
    page = client.get("/catalog/sku-search/?q=TX24&limit=2").content.decode()
    assert len(options(page)) == 2 and "sf-picker-more" in page
    assert len(options(client.get("/catalog/sku-search/?q=TX24&limit=500").content.decode())) == 3
    many = [services.sku_create(code=f"ZZ-{i:02d}", name="纽扣", actor=manager) for i in range(60)]
    assert len(many) == 60
    assert len(options(client.get("/catalog/sku-search/?q=ZZ").content.decode())) == 20
    assert len(options(client.get("/catalog/sku-search/?q=ZZ&limit=999").content.decode())) == 50


def test_search_needs_a_login(catalogue, client):
    response = client.get("/catalog/sku-search/?q=TX24")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# ---------------------------------------------------------------- the picker on document lines


def test_document_lines_use_the_picker_not_a_select_of_every_sku(buyer, client_of, catalogue):
    page = client_of(buyer).get(f"/d/{PO}/new/").content.decode()
    assert '<select name="lines-0-sku"' not in page and "TX24-BLK-M" not in page
    assert 'type="hidden" name="lines-0-sku"' in page and 'name="lines-0-sku__text"' in page
    assert 'hx-get="/catalog/sku-search/"' in page and "sku-picker.js" in page
    assert 'name="lines-__prefix__-sku"' in page  # the row "Add line" clones


def test_a_typed_code_on_a_document_line_is_looked_up(buyer, client_of, catalogue, supplier, warehouse):
    base = {"supplier": supplier.pk, "warehouse": warehouse.pk, "doc_date": "2026-01-05", "remarks": "",
            "expected_date": ""}
    client = client_of(buyer)
    response = client.post(f"/d/{PO}/new/", {**base, "lines-0-sku": "", "lines-0-sku__text": "TX24-BLK-M",
                                             "lines-0-quantity": "3", "lines-0-unit_price": "20"})
    assert response.status_code == 302
    assert PurchaseOrder.objects.get().lines.get().sku == sku("TX24-BLK-M")
    response = client.post(f"/d/{PO}/new/", {**base, "lines-0-sku": "", "lines-0-sku__text": "TX24",
                                             "lines-0-quantity": "3", "lines-0-unit_price": "20"})
    assert response.status_code == 400
    page = response.content.decode()
    assert error_for(page, "lines[0].sku") == [
        "No SKU has the item code or barcode “TX24”; type part of it and choose from the list."]
    assert 'name="lines-0-sku__text" value="TX24"' in page and PurchaseOrder.objects.count() == 1


def test_an_existing_line_shows_its_sku_in_the_picker(buyer, client_of, draft_po):
    page = client_of(buyer).get(f"/d/{PO}/{draft_po.pk}/edit/").content.decode()
    line = draft_po.lines.get()
    assert f'name="lines-0-sku" value="{line.sku_id}"' in page
    assert f'value="{line.sku.code} — ' in page


# ---------------------------------------------------------------- menu


@pytest.mark.parametrize(("role", "boms"), [("manager", True), ("warehouse", True), ("finance", True)])
def test_menu_has_the_catalogue_pages(role, boms, role_user, client_of):
    page = client_of(role_user(role)).get("/").content.decode()
    assert 'href="/catalog/bundles/"' in page and ('href="/catalog/boms/"' in page) is boms
    assert 'href="/m/categories/"' in page and 'href="/m/styles/"' in page


def test_hostile_names_are_escaped_in_the_options_and_the_grid(client_of, manager):
    services.sku_create(code="EVIL-1", name='<script>alert("x")</script>', actor=manager)
    page = client_of(manager).get("/catalog/sku-search/?q=EVIL").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    page = client_of(manager).get("/catalog/sku-search/?q=<b>x</b>").content.decode()
    assert "<b>x</b>" not in page and "&lt;b&gt;" in page
    style = services.style_create(code="EV1", name="<img src=x onerror=alert(1)>", actor=manager)
    services.style_generate_skus(style=style, colours=[("RED", "<i>红</i>")], sizes=["M"], actor=manager)
    grid_page = client_of(manager).get(f"/catalog/styles/{style.pk}/").content.decode()
    assert "<img src=x" not in grid_page and "<i>红</i>" not in grid_page
