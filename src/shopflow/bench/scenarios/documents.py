"""The document path: other receipts 其他入库单 created by a warehouse clerk, submitted by
them and approved by the manager, each through core.services (validation, numbering, audit
trail, the approval's stock posting) — what one document costs end to end."""

from decimal import Decimal

from django.utils import timezone

from shopflow.bench.scenarios import Context, Result, scenario, stopwatch
from shopflow.core import services

OTHER_RECEIPT = "inventory.otherreceipt"


@scenario("documents", "Document path (other receipts)", order=20)
def run(ctx: Context) -> list[Result]:
    ds, size = ctx.data, ctx.size
    rng = ds.rng("documents")
    today = timezone.localdate()
    plans = [
        [{"sku": pk, "quantity": str(rng.randrange(1, 50)), "unit_cost": str(Decimal(rng.randrange(1500, 30000)) / 100)}
         for pk in rng.sample(ds.sku_ids, min(size.lines, len(ds.sku_ids)))]
        for _ in range(size.documents)
    ]
    phases = {"create": 0.0, "submit": 0.0, "approve": 0.0}
    report_every = max(len(plans) // 5, 1)
    with stopwatch() as took:
        for number, lines in enumerate(plans, 1):
            with stopwatch() as t:
                doc = services.document_create(doc_type=OTHER_RECEIPT, actor=ds.clerk, lines=lines, header={
                    "warehouse": ds.second, "doc_date": today, "remarks": f"bench {number}"})
            phases["create"] += t()
            with stopwatch() as t:
                doc = services.document_transition(doc, "submit", actor=ds.clerk)
            phases["submit"] += t()
            with stopwatch() as t:
                services.document_transition(doc, "approve", actor=ds.manager)
            phases["approve"] += t()
            if number % report_every == 0:
                ctx.progress(f"documents: {number:,}, {number / took():,.1f}/s")
    seconds = took()
    n = len(plans)
    return [Result(
        key="documents.other_receipt", title=f"other receipt create+submit+approve ({size.lines} lines)",
        unit="document", count=n, seconds=seconds,
        extra={"lines_per_document": size.lines, "lines_per_s": round(n * size.lines / max(seconds, 1e-9), 1),
               **{f"{phase}_ms": round(s * 1000 / max(n, 1), 3) for phase, s in phases.items()}},
    )]
