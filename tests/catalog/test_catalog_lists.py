"""Categories and styles as master-data lists: import (through the catalogue's services, so the
tree rules and the style → SKU rules hold), export that imports back unchanged, the record
hooks behind forms and the API, and who may edit them and BOMs."""

from decimal import Decimal

import pytest

from shopflow.catalog import services
from shopflow.catalog.models import Category, Sku, Style
from shopflow.catalog.roles import user_may_bom
from shopflow.catalog.selectors import category_path
from shopflow.core.errors import ValidationFailed
from shopflow.core.imports import import_file
from shopflow.core.masterdata import export_rows, get_list, record_create, record_update, user_may_list
from shopflow.core.roles import ROLE_CODES
from shopflow.core.xlsx import write_csv
from tests.imports.conftest import csv_bytes

CAT_HEADERS = ["分类编码", "分类名称", "上级分类", "排序", "启用"]
STYLE_HEADERS = ["款号", "名称", "分类", "商品类型", "单位", "成本价", "吊牌价"]


@pytest.fixture
def run(actor):
    """run(list_key, rows, **kwargs) → the ImportResult of a CSV of these rows."""

    def go(key, rows, **kwargs):
        return import_file(get_list(key), csv_bytes(rows), f"{key}.csv", actor=actor, **kwargs)

    return go


def errors(result) -> list[tuple]:
    return [(e.row, e.column, e.code) for e in result.errors]


@pytest.fixture
def tree(actor):
    """服装 (C1) > 上装 (C11) > T恤 (C111); 配件 (C2)."""
    top = services.category_create(code="C1", name="服装", actor=actor)
    tops = services.category_create(code="C11", name="上装", parent=top, actor=actor)
    tee = services.category_create(code="C111", name="T恤", parent=tops, actor=actor)
    other = services.category_create(code="C2", name="配件", actor=actor)
    return {"top": top, "tops": tops, "tee": tee, "other": other}


def exported(key) -> bytes:
    ml = get_list(key)
    content, _n, _t = write_csv(headers=[c.header() for c in ml.columns],
                                rows=export_rows(ml, ml.model.objects.all(), ml.columns), max_rows=1000)
    return content


# ---------------------------------------------------------------- categories


def test_import_a_tree_by_paths(run):
    first = run("categories", [CAT_HEADERS, ["C1", "服装", "", "1", "是"], ["C2", "配件", "", "2", ""]])
    assert first.ok and first.created == 2
    second = run("categories", [CAT_HEADERS, ["C11", "上装", "服装", "", ""], ["C21", "帽子", "C2", "", ""]])
    assert second.ok and second.created == 2
    third = run("categories", [CAT_HEADERS, ["C111", "T恤", "服装 / 上装", "", ""]])
    assert third.ok
    assert category_path(Category.objects.get(code="C111")) == "服装/上装/T恤"
    assert Category.objects.get(code="C21").parent.code == "C2"


def test_a_parent_new_in_the_same_file_is_not_known_yet(run):
    """References resolve against the saved tree: import parents first (or run the file twice
    in "good rows" mode)."""
    result = run("categories", [CAT_HEADERS, ["C1", "服装", "", "", ""], ["C11", "上装", "服装", "", ""]], mode="good")
    assert errors(result) == [(3, "上级分类", "unknown_reference")]
    assert list(Category.objects.values_list("code", flat=True)) == ["C1"]
    again = run("categories", [CAT_HEADERS, ["C1", "服装", "", "", ""], ["C11", "上装", "服装", "", ""]])
    assert again.ok and again.created == 1


def test_bad_category_rows_are_reported_and_nothing_is_saved(run, tree):
    result = run("categories", [
        CAT_HEADERS,
        ["C9", "鞋", "服装/裤装", "", ""],       # unknown parent
        ["C1", "服装", "服装/上装/T恤", "", ""],  # cycle: under its own grandchild
        ["C7", "包", "", "", ""],
        ["C7", "包包", "", "", ""],             # duplicate code in the file
        ["C8", "服装", "", "", ""],             # a second root named 服装
        ["C6", "鞋/靴", "", "", ""],            # "/" in a name
        ["C5", "裙装", "", "-1", ""],           # negative sort order
    ])
    assert errors(result) == [
        (2, "上级分类", "unknown_reference"),
        (3, "上级分类", "category_cycle"),
        (4, "分类编码", "duplicate_key"),
        (5, "分类编码", "duplicate_key"),
        (6, "分类名称", "duplicate_code"),
        (7, "分类名称", "slash_in_name"),
        (8, "排序", "negative"),
    ]
    cycle = next(e for e in result.errors if e.code == "category_cycle")
    assert "服装/上装/T恤" in cycle.message
    assert not result.written
    assert Category.objects.count() == 4 and Category.objects.get(code="C1").parent is None


def test_a_cycle_through_two_rows_of_one_file_is_refused(run, tree):
    """配件 under T恤 is fine; then 服装 under 配件 would close a loop through the row before."""
    result = run("categories", [CAT_HEADERS, ["C2", "配件", "C111", "", ""], ["C1", "服装", "C2", "", ""]])
    assert errors(result) == [(3, "上级分类", "category_cycle")]
    assert Category.objects.get(code="C2").parent is None  # all or nothing


def test_retiring_through_an_import_keeps_the_tree_rules(run, tree):
    refused = run("categories", [CAT_HEADERS, ["C1", "服装", "", "", "否"]])
    assert errors(refused) == [(2, "", "category_has_active_children")]
    assert Category.objects.get(code="C1").active
    done = run("categories", [CAT_HEADERS, ["C2", "配件", "", "", "否"]])
    assert done.ok and done.updated == 1 and not Category.objects.get(code="C2").active


def test_category_export_imports_back_unchanged(run, tree, actor):
    services.category_retire(category=tree["other"], actor=actor)
    content = exported("categories")
    assert "服装/上装" in content.decode("utf-8-sig")  # the parent as its path
    result = import_file(get_list("categories"), content, "categories.csv", actor=actor)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 4)


def test_the_form_hooks_refuse_a_cycle_on_the_parent_field(tree, actor):
    ml = get_list("categories")
    with pytest.raises(ValidationFailed) as exc:
        record_update(ml, obj=tree["top"], actor=actor, changes={"parent": tree["tee"], "name": "服装"})
    assert [(e.field, e.code) for e in exc.value.errors] == [("parent", "category_cycle")]
    created = record_create(ml, actor=actor, values={"code": "C3", "name": "鞋", "parent": None,
                                                     "sort_order": None, "active": False})
    assert (created.code, created.active, created.sort_order) == ("C3", False, 0)


# ---------------------------------------------------------------- styles


@pytest.fixture
def style_with_grid(actor, tree):
    style = services.style_create(code="TX24", name="纯棉T恤", category=tree["tee"], cost=30, list_price=89,
                                  actor=actor)
    services.style_generate_skus(style=style, colours=[("BLK", "黑色")], sizes=["M", "L"], actor=actor)
    sku = Sku.objects.get(code="TX24-BLK-L")
    services.sku_update(sku=sku, cost=Decimal("33"), actor=actor)  # priced on its own
    return style


def test_import_styles_with_category_path_and_chinese_kind(run, tree):
    result = run("styles", [STYLE_HEADERS, ["WY01", "卫衣", "服装/上装", "自制", "件", "60", "199"],
                            ["BAG1", "帆布包", "C2", "委外", "个", "", ""]])
    assert result.ok and result.created == 2
    hoodie = Style.objects.get(code="WY01")
    assert (hoodie.category.code, hoodie.kind, hoodie.cost) == ("C11", "made", Decimal("60.00"))
    assert Style.objects.get(code="BAG1").unit == "个"


def test_a_style_change_by_import_reaches_its_skus(run, style_with_grid, tree):
    result = run("styles", [STYLE_HEADERS, ["TX24", "纯棉T恤", "配件", "", "", "31", ""]])
    assert result.ok and result.updated == 1
    skus = {s.code: s for s in Sku.objects.filter(style=style_with_grid)}
    assert {s.category.code for s in skus.values()} == {"C2"}  # always follows
    assert skus["TX24-BLK-M"].cost == Decimal("31.00")  # had the style's old cost
    assert skus["TX24-BLK-L"].cost == Decimal("33.00")  # priced on its own: kept


def test_bad_style_rows(run, style_with_grid):
    result = run("styles", [STYLE_HEADERS,
                            ["TC01", "套餐", "", "套餐", "", "", ""],        # a style cannot be a bundle
                            ["NEG1", "负数", "", "", "", "-5", ""],          # negative cost
                            ["NEW1", "", "", "", "", "", ""],                # no name for a new style
                            ["X Y", "空格", "", "", "", "", ""],             # space in the code
                            ["NEW2", "未知分类", "服装/裤装", "", "", "", ""]])  # unknown category
    assert errors(result) == [(2, "商品类型", "unknown_choice"), (3, "成本价", "negative"), (4, "名称", "required"),
                              (5, "款号", "invalid_code"), (6, "分类", "unknown_reference")]
    assert Style.objects.count() == 1


def test_retiring_a_style_by_import_retires_its_skus(run, style_with_grid):
    result = run("styles", [["款号", "启用"], ["TX24", "否"]])
    assert result.ok and result.updated == 1
    assert not Sku.objects.filter(style=style_with_grid, active=True).exists()


def test_style_export_imports_back_unchanged(style_with_grid, actor):
    result = import_file(get_list("styles"), exported("styles"), "styles.csv", actor=actor)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 1)


def test_style_code_is_locked_once_it_has_skus(style_with_grid, actor):
    with pytest.raises(ValidationFailed) as exc:
        record_update(get_list("styles"), obj=style_with_grid, actor=actor, changes={"code": "TX25"})
    assert [(e.field, e.code) for e in exc.value.errors] == [("code", "style_code_locked")]


# ---------------------------------------------------------------- who may edit


CATEGORY_EDITORS = {"manager", "operations"}
STYLE_EDITORS = {"manager", "operations", "purchasing", "planning"}
BOM_EDITORS = {"manager", "planning"}


@pytest.mark.parametrize("role", ROLE_CODES)
def test_who_may_edit_categories_styles_and_boms(role_user, role):
    user = role_user(role)
    categories, styles = get_list("categories"), get_list("styles")
    assert user_may_list(user, categories, "view") and user_may_list(user, styles, "view") and user_may_bom(
        user, "view")
    assert user_may_list(user, categories, "import") is (role in CATEGORY_EDITORS)
    assert user_may_list(user, styles, "change") is (role in STYLE_EDITORS)
    assert user_may_bom(user, "change") is (role in BOM_EDITORS)
    assert user_may_bom(user, "add") is (role in BOM_EDITORS)
