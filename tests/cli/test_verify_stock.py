"""shopflow verify-stock: the ledger is the truth; a tampered balance is found (exit code 1)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.db.models import F

from shopflow.inventory.models import StockBalance, StockMove

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo", no_serve=True, stdout=StringIO())


def test_clean_ledger_passes(demo):
    out = StringIO()
    call_command("verify_stock", stdout=out)
    assert "OK" in out.getvalue()


def test_tampered_balance_exits_1_and_names_it(demo):
    balance = StockBalance.objects.select_related("sku", "warehouse").filter(on_hand__gt=0).first()
    StockBalance.objects.filter(pk=balance.pk).update(on_hand=F("on_hand") + 1)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("verify_stock", stdout=out, stderr=err)
    assert exc.value.code == 1
    assert balance.sku.code in out.getvalue()
    assert "1 balance" in err.getvalue()


def test_moves_cannot_be_edited_or_deleted(demo):
    move = StockMove.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).update(quantity=F("quantity") + 1)
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).delete()
    assert StockMove.objects.get(pk=move.pk).quantity == move.quantity
