"""Rebuild ``divisions_cn.json`` and ``hk_mo_tw.json`` from a copy of modood/Administrative-divisions-of-China.

Usage (no network; point it at the ``dist/`` files of the source repository)::

    python src/shopflow/partners/data/build_divisions.py /work/shared/data/real/china_admin_divisions

Reads ``provinces.csv``, ``cities.csv`` and ``areas.csv`` (streets are not used), checks that every
code's parent is the prefix of the code and that the parent exists, and writes one flat name table
per level, keyed by code. ``HK-MO-TW.json`` is copied byte-for-byte to ``hk_mo_tw.json``.
"""

import csv
import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = {
    "repository": "https://github.com/modood/Administrative-divisions-of-China",
    "commit": "57a0aa9cef47169a2eb74cf057b0245052a34e8c",
    "files": ["dist/provinces.csv", "dist/cities.csv", "dist/areas.csv"],
    "licence": "WTFPL",
    "edition": "National Bureau of Statistics 2023 (cut-off 2023-06-30)",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build(src: Path) -> dict:
    provinces = {r["code"]: r["name"] for r in _rows(src / "provinces.csv")}
    cities: dict[str, str] = {}
    for r in _rows(src / "cities.csv"):
        assert r["code"][:2] == r["provinceCode"] and r["provinceCode"] in provinces, r
        cities[r["code"]] = r["name"]
    districts: dict[str, str] = {}
    for r in _rows(src / "areas.csv"):
        assert r["code"][:4] == r["cityCode"] and r["cityCode"] in cities, r
        assert r["code"][:2] == r["provinceCode"], r
        districts[r["code"]] = r["name"]
    sha = {name: hashlib.sha256((src / name).read_bytes()).hexdigest()
           for name in ("provinces.csv", "cities.csv", "areas.csv")}
    return {"source": {**SOURCE, "sha256": sha}, "provinces": provinces, "cities": cities, "districts": districts}


def dump(data: dict) -> str:
    """One entry per line: small diffs when the source edition changes."""
    parts = ['{"source":' + json.dumps(data["source"], ensure_ascii=False, sort_keys=True)]
    for level in ("provinces", "cities", "districts"):
        entries = sorted(data[level].items())
        body = ",\n".join(f"{json.dumps(k)}:{json.dumps(v, ensure_ascii=False)}" for k, v in entries)
        parts.append(f'"{level}":{{\n{body}\n}}')
    return ",\n".join(parts) + "}\n"


def main(argv: list[str]) -> None:
    src = Path(argv[1]) if len(argv) > 1 else Path("/work/shared/data/real/china_admin_divisions")
    (HERE / "divisions_cn.json").write_text(dump(build(src)), encoding="utf-8")
    shutil.copyfile(src / "HK-MO-TW.json", HERE / "hk_mo_tw.json")


if __name__ == "__main__":
    main(sys.argv)
