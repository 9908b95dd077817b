"""The category tree: full paths, moves without cycles, retire rules, field-named errors."""

import pytest
from django.db import IntegrityError, transaction

from shopflow.catalog import selectors, services
from shopflow.catalog.models import Category
from shopflow.core.errors import DomainError, ValidationFailed
from shopflow.core.models import AuditEvent


@pytest.fixture
def tree(actor):
    clothing = services.category_create(code="FZ", name="服装", actor=actor)
    tops = services.category_create(code="FZ-SY", name="上装", parent=clothing, actor=actor)
    tees = services.category_create(code="FZ-SY-TX", name="T恤", parent=tops, actor=actor)
    bottoms = services.category_create(code="FZ-XZ", name="下装", parent=clothing, actor=actor)
    return {"clothing": clothing, "tops": tops, "tees": tees, "bottoms": bottoms}


def test_full_path_from_the_root(tree):
    assert selectors.category_path(tree["tees"]) == "服装/上装/T恤"
    assert selectors.category_paths()[tree["tees"].pk] == "服装/上装/T恤"
    assert selectors.category_path(tree["clothing"]) == "服装"


def test_tree_lists_parents_before_children(tree):
    nodes = selectors.category_tree()
    assert [(n.path, n.depth) for n in nodes] == [
        ("服装", 0), ("服装/上装", 1), ("服装/上装/T恤", 2), ("服装/下装", 1),
    ]


def test_lookup_by_path_and_code(tree):
    assert selectors.category_by_path("服装 / 上装 / T恤") == tree["tees"]
    assert selectors.category_by_path("服装/T恤") is None
    assert selectors.category_by_path("服装//T恤") is None
    assert selectors.category_by_code("FZ-XZ") == tree["bottoms"]


def test_descendants_include_the_category(tree):
    assert sorted(selectors.category_descendant_ids(tree["tops"])) == sorted([tree["tops"].pk, tree["tees"].pk])


def test_move_to_another_parent(tree, actor):
    services.category_update(category=tree["tees"], parent=tree["bottoms"], actor=actor)
    tree["tees"].refresh_from_db()
    assert selectors.category_path(tree["tees"]) == "服装/下装/T恤"
    event = AuditEvent.objects.filter(doc_type="catalog.category", doc_id=tree["tees"].pk, action="update").get()
    assert event.payload == {"changes": {"parent": [tree["tops"].pk, tree["bottoms"].pk]}}


@pytest.mark.parametrize(("moved", "under"), [("clothing", "tees"), ("clothing", "tops"), ("tops", "tops")])
def test_moving_under_itself_or_its_own_descendant_is_refused(tree, actor, moved, under):
    before = tree[moved].parent_id
    with pytest.raises(DomainError) as exc:
        services.category_update(category=tree[moved], parent=tree[under], actor=actor)
    assert exc.value.code == "category_cycle" and exc.value.field == "parent"
    tree[moved].refresh_from_db()
    assert tree[moved].parent_id == before


def test_cycle_message_names_both_paths(tree, actor):
    with pytest.raises(DomainError) as exc:
        services.category_update(category=tree["tops"], parent=tree["tees"], actor=actor)
    assert exc.value.message == ("Cannot move 服装/上装 under 服装/上装/T恤: that is the category itself "
                                 "or one below it.")


def test_duplicate_code_and_sibling_name_are_field_errors(tree, actor):
    with pytest.raises(ValidationFailed) as exc:
        services.category_create(code="FZ", name="上装", parent=tree["clothing"], actor=actor)
    assert {(e.field, e.code) for e in exc.value.errors} == {("code", "duplicate_code"), ("name", "duplicate_code")}
    # The same name under another parent is fine: the path still names one category.
    services.category_create(code="FZ-XZ-SY", name="上装", parent=tree["bottoms"], actor=actor)


def test_blank_and_slashed_names_are_refused(actor):
    with pytest.raises(ValidationFailed) as exc:
        services.category_create(code=" ", name="上/下", actor=actor)
    fields = {e.field: e.message for e in exc.value.errors}
    assert set(fields) == {"code", "name"}
    assert fields["name"] == "A category name may not contain “/”."
    assert Category.objects.count() == 0


def test_unknown_field_is_named(tree, actor):
    with pytest.raises(ValidationFailed) as exc:
        services.category_update(category=tree["tees"], colour="red", actor=actor)
    assert [(e.field, e.code) for e in exc.value.errors] == [("colour", "unknown_field")]


def test_retire_needs_the_children_retired_first(tree, actor):
    with pytest.raises(DomainError) as exc:
        services.category_retire(category=tree["tops"], actor=actor)
    assert exc.value.code == "category_has_active_children" and "T恤" in exc.value.message
    services.category_retire(category=tree["tees"], actor=actor)
    services.category_retire(category=tree["tops"], actor=actor)
    assert selectors.category_tree(active_only=True)[1].path == "服装/下装"
    with pytest.raises(DomainError) as exc:
        services.category_restore(category=tree["tees"], actor=actor)
    assert exc.value.code == "parent_inactive"
    with pytest.raises(ValidationFailed) as exc:
        services.category_create(code="X", name="X", parent=tree["tops"], actor=actor)
    assert exc.value.errors[0].code == "parent_inactive"


def test_database_refuses_a_category_as_its_own_parent(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.filter(pk=tree["tops"].pk).update(parent=tree["tops"])


def test_database_refuses_duplicate_root_names(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(code="FZ2", name="服装")
