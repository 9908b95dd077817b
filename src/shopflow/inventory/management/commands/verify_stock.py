"""shopflow verify-stock: re-derive balances from the ledger; exit 1 listing any difference."""

import sys

from django.core.management.base import BaseCommand

from shopflow.inventory.selectors import stock_differences


class Command(BaseCommand):
    help = "Check that every stock balance equals the sum of its moves (exit code 1 if not)."

    def handle(self, *args, **options):
        diffs = stock_differences()
        if not diffs:
            self.stdout.write(self.style.SUCCESS("OK: every balance equals the sum of its moves."))
            return
        for d in diffs:
            self.stdout.write(f"{d['sku']}\t{d['warehouse']}\tbalance={d['balance']}\tmoves={d['moves']}")
        self.stderr.write(self.style.ERROR(f"{len(diffs)} balance(s) differ from the ledger."))
        sys.exit(1)
