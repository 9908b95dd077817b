"""Facts about the machine and the code a run came from, and the readable table (rich)."""

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table


def _first_line_with(path: str, prefix: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine_facts() -> dict:
    import django

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    try:
        version = metadata.version("shopflow")
    except metadata.PackageNotFoundError:
        version = ""
    return {
        "cpu_count": os.cpu_count(), "cpus_usable": usable,
        "cpu_model": _first_line_with("/proc/cpuinfo", "model name"),
        "memory": _first_line_with("/proc/meminfo", "MemTotal"), "python": platform.python_version(),
        "implementation": platform.python_implementation(), "platform": platform.platform(),
        "machine": platform.machine(), "django": django.get_version(), "shopflow": version,
        # Other work on the machine while it ran (1, 5, 15 minutes), taken at the end of the run.
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_facts() -> dict:
    """The commit the code came from: of the current folder's repository, else of the one the
    package lives in (an editable install); nulls when neither is a git checkout."""
    for where in (Path.cwd(), Path(__file__).resolve().parent):
        commit = _git(["rev-parse", "HEAD"], where)
        if commit:
            status = _git(["status", "--porcelain", "--untracked-files=no"], where)
            return {"commit": commit, "dirty": bool(status) if status is not None else None,
                    "describe": _git(["describe", "--always", "--dirty"], where)}
    return {"commit": None, "dirty": None, "describe": None}


# ---------------------------------------------------------------- formatting

def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:,.1f} ms"
    return f"{seconds:,.2f} s"


def per_unit(us: float, unit: str) -> str:
    if us >= 10_000:
        return f"{us / 1000:,.1f} ms/{unit}"
    if us >= 100:
        return f"{us:,.0f} µs/{unit}"
    return f"{us:,.2f} µs/{unit}"


def rate(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}s/s" if value >= 100 else f"{value:,.1f} {unit}s/s"


def notes(r: dict) -> str:
    x = r["extra"]
    key = r["key"]
    if key.startswith("ledger."):
        return f"{x['posts']:,} calls, {x['ms_per_post']:.1f} ms each"
    if key.startswith("documents."):
        return f"create {x['create_ms']:.1f} + submit {x['submit_ms']:.1f} + approve {x['approve_ms']:.1f} ms"
    if key.startswith("reservations."):
        return (f"p50 {x['p50_ms']:.1f} ms, p99 {x['p99_ms']:.1f} ms; refused {x['refused']}, "
                f"oversell {x['oversell_count']}, lock errors {x['lock_errors']}, deadlocks {x['deadlocks']}"
                + ("; SQLite: one writer at a time" if x.get("serialised") else ""))
    if key == "soak":
        retries = ", ".join(f"{code} ×{n}" for code, n in x["retries"].items()) or "none"
        sqlite = "; SQLite: one writer at a time" if x.get("serialised") else ""
        return (f"p50 {x['p50_ms']:.1f} ms, p99 {x['p99_ms']:.1f} ms; {x['clients']} clients; "
                f"refused {x['refused']:,}; retried {retries}; errors {x['errors']}{sqlite}")
    if key == "orders.import":
        return (f"read {x['read_s']:.2f} s + import {x['import_s']:.2f} s; {x['lines']:,} lines, "
                f"{x['held']:,} held, {x['failed']:,} failed")
    if key == "orders.review":
        return (f"auto review {x['auto_approved']:,} approved / {x['auto_held']:,} held in {x['auto_s']:.2f} s; "
                f"bulk approve {x['bulk_approved']:,} in {x['bulk_s']:.2f} s ({x['bulk_refused']:,} refused)")
    if key.startswith("orders.") and "stages" in x:
        return "; ".join(f"{name} {stage['per_s']:,.0f}/s" for name, stage in x["stages"].items())
    if key.startswith("orders.") and "p50_ms" in x:
        return f"p50 {x['p50_ms']:.1f} ms, p99 {x['p99_ms']:.1f} ms"
    if key.startswith("orders.") and "allocated" in x:
        return f"{x['allocated']:,} allocated, {x['short']:,} short, {x['skipped']:,} skipped"
    if key.startswith("verify."):
        diffs = sum(v for k, v in x.items() if k.endswith("_differences"))
        return f"{diffs} differences"
    if x.get("timed_out"):
        return f"[red]cancelled after {x['budget_s']:g} s: the result is a lower bound[/red]"
    if "rows" in x:
        return f"{x['rows']:,} rows"
    return ""


def target(r: dict) -> str:
    """"≥ 10,000/s ✓" (met), "≥ 10,000/s ✗ 27 %" (missed: the share reached); "(sqlite)" when the
    promise is for the other database and this figure is for information."""
    t = r.get("target")
    if not t:
        return ""
    verdict = "[green]✓[/green]" if t["met"] else f"[red]✗ {t['fraction'] * 100:.0f} %[/red]"
    text = f"≥ {t['rate_per_s']:,.0f}/s {verdict}"
    return text if t["applies"] else f"{text} ({t['vendor']} target)"


def table(run: dict) -> Table:
    db = run["database"]
    title = (f"shopflow bench — {run['size']} on {db['vendor']} {db.get('server_version') or db.get('version')}, "
             f"{run['machine']['cpu_count']} CPU, Python {run['machine']['python']}, "
             f"commit {(run['git'].get('describe') or '?')}")
    t = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left")
    t.add_column("scenario")
    t.add_column("work", justify="right")
    t.add_column("time", justify="right")
    t.add_column("rate", justify="right")
    t.add_column("per unit", justify="right")
    t.add_column("raw insert", justify="right")
    t.add_column("ours/raw", justify="right")
    targets = any(r.get("target") for r in run["results"])
    if targets:
        t.add_column("target", justify="right")
    t.add_column("notes")
    for r in run["results"]:
        raw = r.get("raw")
        ok = all(c["ok"] for c in r["checks"])
        t.add_row(
            r["title"] if ok else f"[red]{r['title']}[/red]",
            f"{r['count']:,} {r['unit']}{'s' if r['count'] != 1 else ''}",
            ("≥ " if r["extra"].get("timed_out") else "") + duration(r["seconds"]),
            rate(r["rate_per_s"], r["unit"]) if r["unit"] != "query" else "",
            ("≥ " if r["extra"].get("timed_out") else "") + per_unit(r["per_unit"]["us"], r["per_unit"]["unit"]),
            f"{raw['rate_per_s']:,.0f}/s {raw['method']}" if raw else "",
            f"{r['fraction_of_raw'] * 100:.1f} %" if raw else "",
            *([target(r)] if targets else []),
            notes(r),
        )
    for f in run.get("errors", []):
        t.add_row(f"[red]{f['title']}[/red]", "", "", "", "", "", "", *([""] if targets else []),
                  f"[red]{f['error']}[/red]")
    return t


def render(run: dict, file) -> None:
    console = Console(file=file, width=None if getattr(file, "isatty", lambda: False)() else 200,
                      highlight=False, soft_wrap=False)
    console.print(table(run))
    failed = [c for c in run["checks"] if not c["ok"]]
    for c in failed:
        console.print(f"[red]FAILED[/red] {c['scenario']}: {c['name']} — {c['detail']}")
    timings = ", ".join(f"{k.removesuffix('_s')} {v:,.1f}s" for k, v in run["timings"].items())
    console.print(f"{'[red]checks failed[/red]' if failed else 'all checks passed'}; wall time: {timings}")


# ---------------------------------------------------------------- growth table (README)

def _cell(r: dict) -> str:
    text = per_unit(r["per_unit"]["us"], r["per_unit"]["unit"])
    if r["extra"].get("timed_out"):
        text = f"≥ {text} (timed out)"
    if r.get("fraction_of_raw") is not None:
        text += f" ({r['fraction_of_raw'] * 100:.1f} % of raw)"
    return text


def growth_table(runs: list[dict]) -> str:
    """A Markdown table of the per-unit cost of every figure by database and size, with how it
    grows from the smallest size to the largest (×1.0 = flat). Per database, size and figure the
    latest run that has the figure counts (a run of only some scenarios, `--only`, replaces just
    those figures). The tiny size is CI's smoke test, where fixed costs dominate: it is left out."""
    from shopflow.bench.sizes import SIZES

    order = list(SIZES)
    latest: dict[tuple[str, str], dict[str, dict]] = {}
    keys, titles = [], {}
    for run in sorted((r for r in runs if r["size"] != "tiny"), key=lambda r: r.get("started_at", "")):
        figures = latest.setdefault((run["db"], run["size"]), {})
        for r in run["results"]:
            figures[r["key"]] = r
            if r["key"] not in titles:
                keys.append(r["key"])
                titles[r["key"]] = r["title"]
    dbs = sorted({db for db, _size in latest}, key=lambda d: (d != "sqlite", d))
    columns: list[tuple[str, list[str]]] = [
        (db, sorted({size for d, size in latest if d == db}, key=order.index)) for db in dbs]
    header = ["figure"]
    for db, sizes in columns:
        header += [f"{db} {size}" for size in sizes]
        if len(sizes) > 1:
            header.append(f"{db} {sizes[0]}→{sizes[-1]}")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key in keys:
        row = [titles[key]]
        for db, sizes in columns:
            found = [latest[(db, size)].get(key) for size in sizes]
            row += [_cell(r) if r else "–" for r in found]
            if len(sizes) > 1:
                # Between the smallest and the largest size that have the figure (named when
                # that is not the whole span of the column, e.g. a 1m run of the import only).
                have = [(size, r) for size, r in zip(sizes, found, strict=True) if r]
                (small, first), (large, last) = (have[0], have[-1]) if have else ((None, None), (None, None))
                span = "" if (small, large) == (sizes[0], sizes[-1]) else f" ({small}→{large})"
                if last and last["extra"].get("timed_out"):
                    row.append("timed out")  # the larger size's figure is only a lower bound
                elif len(have) > 1 and first["per_unit"]["us"] > 0:
                    row.append(f"×{last['per_unit']['us'] / first['per_unit']['us']:.2f}{span}")
                else:
                    row.append("–")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
