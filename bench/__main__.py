"""Run every benchmark and print its figures: `make bench` or `python -m bench [NAME…]`.

Each benchmark builds its own throwaway database next to the configured one, so it runs in
its own process. Without DATABASE_URL the SQLite file var/bench.sqlite3 is used; set
DATABASE_URL=postgres://… to measure PostgreSQL. Figures are recorded in
docs/benchmarks.md.

Tools that take options of their own and start their own servers are run one at a time,
with their options passed through: `python -m bench contest --players 500`,
`python -m bench compare --quick`. They are not part of the plain `python -m bench` run.
"""

import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = ["scorecard", "quizzes", "learning", "paper", "units"]
# Run alone, with their own command-line options; they choose their own databases.
TOOLS = ["contest", "compare", "soak"]


def main() -> int:
    args = sys.argv[1:]
    if args and args[0] in TOOLS:
        return subprocess.call([sys.executable, "-m", f"bench.{args[0]}", *args[1:]])  # noqa: S603
    names = args or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {BENCHMARKS}, "
            f"or run one of {TOOLS} alone with its options"
        )
        return 2
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        var = Path(__file__).resolve().parent.parent / "var"
        var.mkdir(exist_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{var / 'bench.sqlite3'}"
    failed = 0
    for name in names:
        print(f"\n=== bench.{name} ===", flush=True)
        failed |= subprocess.call([sys.executable, "-m", f"bench.{name}"], env=env)  # noqa: S603
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
