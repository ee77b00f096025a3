"""What an import found: every bad row with its number and reason, and what it would do."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (header = 1); 0 for file-level problems
    column: str
    message: str

    def __str__(self) -> str:
        prefix = f"第 {self.row} 行" if self.row else "文件"
        column = f"（{self.column}）" if self.column else ""
        return f"{prefix}{column}：{self.message}"


@dataclass
class ImportReport:
    """Outcome of validating (dry run) or applying an import.

    `applied` is True only when every row was valid and the changes were committed.
    """

    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    preview: list[dict] = field(default_factory=list)
    # Accepted but worth a look (e.g. paper answers stored as unanswered), in words.
    notes: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row=row, column=column, message=str(message)))

    def summary(self) -> str:
        counts = f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}，错误 {len(self.errors)}"
        return "；".join([counts, *self.notes])
