"""What an import did (or, with --dry-run, would do), item by item, and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED = (
    "created",
    "updated",
    "unchanged",
    "skipped",
    "failed",
)
OUTCOMES = (CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED)


@dataclass
class Line:
    kind: str
    outcome: str
    label: str
    reason: str = ""


@dataclass
class Report:
    dry_run: bool = False
    lines: list[Line] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (item, note)
    warnings: list[str] = field(default_factory=list)

    def add(self, kind: str, outcome: str, label: str, reason: str = "") -> None:
        self.lines.append(Line(kind, outcome, label, reason))

    def note(self, label: str, text: str) -> None:
        self.notes.append((label, text))

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def counts(self) -> dict[str, Counter]:
        by_kind: dict[str, Counter] = {}
        for line in self.lines:
            by_kind.setdefault(line.kind, Counter())[line.outcome] += 1
        return by_kind

    def count(self, kind: str, outcome: str) -> int:
        return self.counts().get(kind, Counter())[outcome]

    @property
    def failures(self) -> list[Line]:
        return [line for line in self.lines if line.outcome == FAILED]

    def render(self, verbose: bool = False) -> str:
        """The summary a command prints at the end."""
        would = "would be " if self.dry_run else ""
        out = []
        if self.dry_run:
            out.append("Dry run: nothing was changed. This is what the import would do.")
        for kind, counts in self.counts().items():
            parts = [f"{counts[o]} {would}{o}" for o in OUTCOMES if counts[o]]
            out.append(f"{kind}: " + ", ".join(parts))
        shown = [line for line in self.lines if line.outcome in {SKIPPED, FAILED}]
        if verbose:
            shown = [line for line in self.lines if line.outcome != UNCHANGED]
        for outcome in (FAILED, SKIPPED, CREATED, UPDATED):
            group = [line for line in shown if line.outcome == outcome]
            if group:
                out.append("")
                out.append(f"{outcome.capitalize()} ({len(group)}):")
                for line in group:
                    reason = f": {line.reason}" if line.reason else ""
                    out.append(f"  - {line.kind[:-1] if line.kind.endswith('s') else line.kind} "
                               f"{line.label}{reason}")  # fmt: skip
        if self.notes:
            out.append("")
            out.append(f"Notes ({len(self.notes)}):")
            for label, text in self.notes:
                out.append(f"  - {label}: {text}")
        if self.warnings:
            out.append("")
            out.append(f"Warnings ({len(self.warnings)}):")
            for text in self.warnings:
                out.append(f"  - {text}")
        return "\n".join(out)
