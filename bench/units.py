"""Unit import benchmark: a 100,000-row roster and a 5,000-unit file.

    .venv/bin/python -m bench units
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qlxt .venv/bin/python -m bench units

Builds a throwaway database next to the configured one (`bench_<name>`), writes each
roster as an xlsx file the way the template lays it out (Chinese headers, children listed
before their parents here and there, fixed seed), then times the admin's two steps on an
empty tree: the check (`import_file(..., dry_run=True)`, what the preview runs) and the
confirmed import (`dry_run=False`: the check again, then the write). Goal: ≥ 2,000 rows/s
for each. `--rows N` adds a roster of N rows.
"""

from __future__ import annotations

import argparse
import io
import random
import time

from bench._setup import configure_database, throwaway_database

SIZES = (100_000, 5_000)


def roster_xlsx(rows: int, *, seed: int = 2026) -> bytes:
    """A city → towns → units roster of `rows` rows (about 1,000 units per town)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    kinds = ["机关", "企业", "学校", "医院", "村居", "家庭", "中介", "其他"]
    towns = max(1, rows // 1000)
    lines = [("C", "基准市", "其他", "", 0)]
    lines += [(f"C-{t:03d}", f"镇{t}", "其他", "C", 0) for t in range(towns)]
    n = 0
    while len(lines) < rows:
        town = n % towns
        lines.append(
            (
                f"C-{town:03d}-{n:06d}",
                f"单元{n}",
                rng.choice(kinds),
                f"C-{town:03d}",
                rng.randint(0, 500),
            )
        )
        n += 1
    rng.shuffle(lines)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("清廉单元")
    sheet.append(["编码", "名称", "类型", "上级编码", "人数"])
    for line in lines:
        sheet.append(list(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _check(condition: bool, detail: object = "") -> None:
    if not condition:
        raise SystemExit(f"unexpected import result {detail}")


def measure(rows: int) -> None:
    from tabular.importing import import_file
    from units.imports import UnitImporter
    from units.models import Unit

    data = roster_xlsx(rows)
    Unit.objects.all().delete()
    t0 = time.perf_counter()
    report = import_file(UnitImporter(), data=data, filename="units.xlsx", dry_run=True)
    check = time.perf_counter() - t0
    _check(report.ok and report.created == rows, report.errors[:3])
    t0 = time.perf_counter()
    report = import_file(
        UnitImporter(), data=data, filename="units.xlsx", dry_run=False
    )
    confirm = time.perf_counter() - t0
    _check(report.applied and Unit.objects.count() == rows)
    _check(Unit.find_problems() == ([], [], [], [], []))
    t0 = time.perf_counter()
    report = import_file(UnitImporter(), data=data, filename="units.xlsx", dry_run=True)
    recheck = time.perf_counter() - t0
    _check(report.unchanged == rows)
    print(
        f"{rows:>7,} rows  preview {check:6.2f} s = {rows / check:7,.0f} rows/s   "
        f"confirm (check + write) {confirm:6.2f} s = {rows / confirm:7,.0f} rows/s   "
        f"preview over the imported tree {recheck:6.2f} s = {rows / recheck:7,.0f} rows/s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, action="append", default=[])
    args = parser.parse_args()
    configure_database()
    from django.db import connection

    with throwaway_database():
        print(f"backend: {connection.vendor}", flush=True)
        for rows in (*SIZES, *args.rows):
            measure(rows)


if __name__ == "__main__":
    main()
