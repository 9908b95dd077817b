"""shopflow import <list> FILE: load a master-data list (SKUs, suppliers, …) from .xlsx or CSV.

Checks the whole file first and prints every bad row; all-or-nothing unless --good-rows.
Exit code 0 when every row was fine, 1 when any row (or the file) had an error."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from shopflow.core.imports import MODE_ALL, MODE_GOOD, error_report, human_size, import_file
from shopflow.core.masterdata import get_list, master_lists
from shopflow.core.progress import ProgressBar, pad, width

PRINTED_ERRORS = 100


def clip(text: str, size: int) -> str:
    out = ""
    for ch in text:
        if width(out + ch) > size - 1:
            return out + "…"
        out += ch
    return out


class Command(BaseCommand):
    help = ("Import a master-data list from an .xlsx or CSV file (UTF-8 or GBK), e.g. `shopflow import skus "
            "商品资料.xlsx`. The whole file is checked first; by default nothing is saved if any row is bad.")

    def add_arguments(self, parser):
        parser.add_argument("list", help="the list: " + ", ".join(m.key for m in master_lists()))
        parser.add_argument("file", help=".xlsx or .csv file")
        parser.add_argument("--good-rows", action="store_true",
                            help="import the good rows and report the bad ones (default: all or nothing)")
        parser.add_argument("--dry-run", action="store_true", help="check the file only; save nothing")
        parser.add_argument("--user", help="username recorded as the importer in the audit trail")
        parser.add_argument("--errors", metavar="FILE", help="also write every error to FILE (.xlsx or .csv)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        try:
            master_list = get_list(options["list"])
        except KeyError:
            raise CommandError(f"Unknown list {options['list']!r}; choose one of: "
                               + ", ".join(m.key for m in master_lists())) from None
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No such user: {options['user']}")
        bar = ProgressBar(self.stderr._out, enabled=not options["no_progress"])
        result = import_file(master_list, path.read_bytes(), path.name, actor=actor,
                             mode=MODE_GOOD if options["good_rows"] else MODE_ALL, dry_run=options["dry_run"],
                             progress=bar)
        bar.finish()
        self.report(result, path)
        if options["errors"] and result.errors:
            target = Path(options["errors"])
            fmt = "csv" if target.suffix.lower() == ".csv" else "xlsx"
            target.write_bytes(error_report([e.as_dict() for e in result.errors], path.name, fmt=fmt))
            self.stderr.write(f"Errors written to {target}")
        if not result.ok:
            sys.exit(1)

    def report(self, result, path: Path) -> None:
        if result.errors:
            self.print_errors(result)
        rate = f", {result.rows / result.seconds:,.0f} rows/s" if result.seconds and result.rows else ""
        encoding = f", {result.encoding}" if result.encoding else ""
        self.stdout.write(
            f"{path.name} ({human_size(path.stat().st_size)}{encoding}): {result.rows} rows — {result.created} new, "
            f"{result.updated} changed, {result.unchanged} unchanged, {result.bad_rows} with errors "
            f"({result.seconds:.1f} s{rate}).")
        if result.ignored_columns:
            self.stdout.write("Ignored columns: " + ", ".join(result.ignored_columns))
        if result.written:
            note = f"Saved: {result.created} created, {result.updated} updated."
            if result.bad_rows:
                self.stderr.write(self.style.WARNING(f"{note} {result.bad_rows} bad row(s) were skipped."))
            else:
                self.stdout.write(self.style.SUCCESS(note))
        elif result.dry_run:
            self.stdout.write("Dry run: nothing was saved.")
        elif result.ok:
            self.stdout.write(self.style.SUCCESS("Nothing to change: the list already matches the file."))
        elif result.file_error:
            self.stderr.write(self.style.ERROR("Nothing was saved: the file cannot be imported."))
        else:
            self.stderr.write(self.style.ERROR(
                f"Nothing was saved: {result.bad_rows} row(s) have errors. Fix them and import again, or use "
                "--good-rows to import the other rows."))

    def print_errors(self, result) -> None:
        rows = [("Row", "Column", "Value", "Reason")]
        rows += [(str(e.row or "-"), e.column, clip(e.value, 24), e.message) for e in result.errors[:PRINTED_ERRORS]]
        widths = [max(width(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            self.stdout.write("  ".join(pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        more = result.error_count - min(len(result.errors), PRINTED_ERRORS)
        if more > 0:
            self.stdout.write(f"… and {more} more error(s); --errors FILE writes them all.")
