"""The repository stands alone: a fresh clone has only itself, so nothing it ships may
point at files beside it or at one machine's folders."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Written as pieces so this file does not match itself.
FORBIDDEN = ("../" + "shared", "/" + "work/", "/" + "root/", "METRICS" + ".md")


def _tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files"],  # noqa: S607 - git from PATH, as CI has it
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    files = []
    for name in filter(None, names):
        path = ROOT / name
        if path.suffix in {".py", ".md", ".html", ".txt", ".toml", ".js", ".css", ""}:
            files.append(path)
    return files


def test_no_file_points_outside_the_repository():
    offenders = []
    for path in _tracked_text_files():
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [
            f"{path.relative_to(ROOT)}: {needle}"
            for needle in FORBIDDEN
            if needle in text
        ]
    assert offenders == []


def test_docs_link_only_to_files_that_exist():
    import re

    missing = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)\)", doc.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            if not (doc.parent / target).exists():
                missing.append(f"{doc.relative_to(ROOT)} → {target}")
    assert missing == []
