"""shopflow import-orders --format taobao --shop CODE ORDERS.csv ITEMS.csv
shopflow import-orders --format generic --shop CODE ORDERS.xlsx [--map order_no=单号 ...]

Reads a platform's export files, imports the orders into the shop (idempotent: running the same
files again creates nothing twice), runs the shop's automatic review over them when the shop has
it on, prints a progress bar and a summary of created, updated, unchanged, held and failed orders
and of what the review approved and held, and every problem with its file, row and column. Exit
code 0 when every row could be read, 1 otherwise."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from shopflow.channels.generic import FIELDS, MappingError, parse_mapping, read_generic
from shopflow.channels.models import Shop
from shopflow.channels.readers import get_format, order_formats
from shopflow.channels.services import orders_intake
from shopflow.core.progress import ProgressBar

PRINTED_PROBLEMS = 100


class Command(BaseCommand):
    help = "Import a platform's order export files into a shop, e.g. --format taobao --shop TB01 订单.csv 宝贝.csv."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=[f.key for f in order_formats()])
        parser.add_argument("--shop", required=True, help="shop code")
        parser.add_argument("files", nargs="+", help="the export files, in the order the format names them")
        parser.add_argument("--user", help="username recorded as the importer in the audit trail")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                            help="generic format: which column holds a field, e.g. --map order_no=单号 "
                                 f"(fields: {', '.join(FIELDS)})")

    def handle(self, *args, **options):
        fmt = get_format(options["format"])
        if len(options["files"]) != len(fmt.files):
            raise CommandError(f"{fmt.label} needs {len(fmt.files)} files: {'、'.join(fmt.files)}")
        shop = Shop.objects.filter(code=options["shop"]).first()
        if shop is None:
            raise CommandError(f"No shop has the code {options['shop']!r}.")
        if not shop.active:
            raise CommandError(f"Shop {shop} is not active.")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
        paths = [Path(name) for name in options["files"]]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
        if options["map"] and fmt.key != "generic":
            raise CommandError("--map is for the generic format only.")
        try:
            mapping = parse_mapping(options["map"])
        except MappingError as exc:
            raise CommandError("--map: " + " ".join(exc.messages)) from None
        if fmt.key == "generic":
            result = read_generic(paths[0].read_bytes(), paths[0].name, mapping)
        else:
            result = fmt.read([p.read_bytes() for p in paths], [p.name for p in paths])
        bar = ProgressBar(sys.stderr, enabled=not options["no_progress"])
        summary = orders_intake(shop=shop, result=result, actor=actor, source=" + ".join(p.name for p in paths),
                                on_progress=lambda done, total: bar("write", done, total))
        bar.finish()
        for problem in summary.problems[:PRINTED_PROBLEMS]:
            where = f"{problem.file} row {problem.row}" + (f", column {problem.column}" if problem.column else "")
            self.stderr.write(f"{where}: {problem.message}")
        if len(summary.problems) > PRINTED_PROBLEMS:
            self.stderr.write(f"… and {len(summary.problems) - PRINTED_PROBLEMS} more problems.")
        self.stdout.write(f"{shop}: {summary.created} created, {summary.updated} updated, {summary.unchanged} "
                          f"unchanged, {summary.held} held, {summary.failed} failed.")
        if summary.review_problem:
            self.stderr.write(summary.review_problem)
        elif summary.auto_reviewed:
            self.stdout.write(f"Automatic review: {summary.auto_approved} approved, {summary.auto_held} held.")
        elif not shop.auto_review:
            self.stdout.write("Automatic review is off for this shop: the orders wait for review.")
        if summary.problems:
            sys.exit(1)
