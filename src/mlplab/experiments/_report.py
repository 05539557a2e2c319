"""Markdown reports: title, claim, verdict, table of numbers and embedded figures."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._base import ExperimentResult


def format_value(value: Any) -> str:
    """A table cell: floats with 4 significant digits, scientific when tiny or huge."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3e}"
        return f"{value:.4g}"
    if value is None:
        return "–"
    return str(value).replace("|", "\\|")


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """Rows of dicts as a Markdown table (columns in first-seen order)."""
    if not rows:
        return "_(no rows)_\n"
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(format_value(row.get(c)) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def write_report(result: ExperimentResult) -> None:
    """Write ``result.report_path`` from the result's fields."""
    verdict = "held" if result.held else "did not hold"
    mode = "quick mode (reduced sizes)" if result.quick else "full mode"
    parts = [
        f"# {result.title}\n",
        f"**Claim.** {result.claim}\n",
        f"**Result: the claim {verdict} in this run:** {result.summary}\n",
        f"_Experiment `{result.name}`, {mode}, seed {result.seed}, {result.seconds:.1f} s._\n",
    ]
    parts.extend(f"{note}\n" for note in result.notes)
    parts.append("## Numbers\n")
    parts.append(markdown_table(result.table))
    for heading, rows in result.extra_tables.items():
        parts.append(f"### {heading}\n")
        parts.append(markdown_table(rows))
    if result.figures:
        parts.append("## Figures\n")
        for path in result.figures:
            caption = path.stem.replace("_", " ")
            parts.append(f"![{caption}]({path.name})\n")
    if result.warnings:
        parts.append("## Warnings during the run\n")
        parts.extend(f"- {msg} (×{n})" for msg, n in sorted(result.warnings.items()))
        parts.append("")
    result.report_path.write_text("\n".join(parts), encoding="utf-8")
