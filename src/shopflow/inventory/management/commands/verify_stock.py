"""shopflow verify-stock: re-derive balances, reservations and costs from the ledger; exit 1
listing any difference."""

import sys

from django.core.management.base import BaseCommand

from shopflow.core.serialize import plain
from shopflow.inventory.selectors import cost_differences, reservation_differences, stock_differences


def _n(value) -> str:
    return "-" if value is None else plain(value)


class Command(BaseCommand):
    help = ("Check that every stock balance equals the sum of its moves, every reserved quantity the sum of its "
            "open reservations, and every SKU cost the sum of its move values (exit code 1 if not).")

    def handle(self, *args, **options):
        balances, reservations, costs = stock_differences(), reservation_differences(), cost_differences()
        if not (balances or reservations or costs):
            self.stdout.write(self.style.SUCCESS(
                "OK: every balance equals the sum of its moves, every reservation total and every cost matches."))
            return
        for d in balances:
            self.stdout.write(f"{d['sku']}\t{d['warehouse']}\tbalance={_n(d['balance'])}\tmoves={_n(d['moves'])}")
        for d in reservations:
            self.stdout.write(f"{d['sku']}\t{d['warehouse']}\treserved={_n(d['reserved'])}\t"
                              f"open reservations={_n(d['reservations'])}")
        for d in costs:
            self.stdout.write(f"{d['sku']}\tcost quantity={_n(d['quantity'])}\tmoves={_n(d['moves_quantity'])}\t"
                              f"cost value={_n(d['value'])}\tmove values={_n(d['moves_value'])}")
        if balances:
            self.stderr.write(self.style.ERROR(f"{len(balances)} balance(s) differ from the ledger."))
        if reservations:
            self.stderr.write(self.style.ERROR(f"{len(reservations)} reserved quantity(ies) differ from the open "
                                               "reservations."))
        if costs:
            self.stderr.write(self.style.ERROR(f"{len(costs)} SKU cost(s) differ from the ledger."))
        sys.exit(1)
