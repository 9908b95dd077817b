"""Architecture rules checked on the code itself, and the system checks."""

import ast
from pathlib import Path

from django.core.checks import run_checks
from django.test import override_settings

import shopflow
from shopflow.core import registry
from shopflow.core.checks import check_document_types

SRC = Path(shopflow.__file__).parent


# Online orders, waves and parcels are not framework documents (decisions 0013, 0014): their
# states have their own writers — review, intake, fulfilment.
STATE_WRITERS = {SRC / "core" / "services.py", SRC / "sales" / "online.py", SRC / "sales" / "review.py",
                 SRC / "channels" / "services.py", SRC / "fulfilment" / "services.py",
                 SRC / "fulfilment" / "allocation.py"}


def test_only_the_transition_service_writes_state():
    """`.state = ...` and `update(state=...)` appear nowhere but the state writers above."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path in STATE_WRITERS or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if any(isinstance(t, ast.Attribute) and t.attr == "state" for t in targets):
                offenders.append(f"{path}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {"update", "bulk_update"}:
                if any(k.arg == "state" for k in node.keywords):
                    offenders.append(f"{path}:{node.lineno}")
    assert offenders == []


def test_no_state_field_is_editable_anywhere():
    for dt in registry.document_types():
        assert dt.model._meta.get_field("state").editable is False
        assert "state" not in dt.header_fields


def test_the_project_passes_its_own_checks(db):
    assert [m for m in run_checks() if m.level >= 30] == []


def test_sqlite_without_immediate_mode_is_an_error(monkeypatch):
    from django.conf import settings

    from shopflow.core.checks import check_database

    monkeypatch.setitem(settings.DATABASES, "default", {"ENGINE": "django.db.backends.sqlite3", "OPTIONS": {}})
    assert [m.id for m in check_database(None)] == ["shopflow.E002"]


def test_approval_effect_without_reversal_is_an_error(monkeypatch):
    dt = registry.get_type("purchasing.purchasereceipt")
    monkeypatch.setattr(dt, "effects", {"approve": dt.effects["approve"]})
    assert "shopflow.E012" in [m.id for m in check_document_types(None)]


def test_secret_key_check_in_deploy_mode():
    from shopflow.core.checks import check_secret_key
    from shopflow.settings import INSECURE_DEV_KEY

    with override_settings(SECRET_KEY=INSECURE_DEV_KEY):
        assert [m.id for m in check_secret_key(None)] == ["shopflow.E001"]
    with override_settings(SECRET_KEY="x" * 50):
        assert check_secret_key(None) == []
