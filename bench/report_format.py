"""How the README's generated blocks write figures: durations, shares, rates and Markdown tables (bench/report.py
for the benches' block, bench/report_models.py for the models' block)."""
from __future__ import annotations


def ms(v) -> str:
    """A duration in ms, to a precision its size deserves."""
    if v is None:
        return "–"
    return f"{v:,.2f}" if v < 10 else f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def table(header: list[str], rows: list[list]) -> list[str]:
    cell = (lambda v: "–" if v is None or v == "" else str(v).replace("|", "\\|"))
    return ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header),
            *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)]


def per_s(v) -> str | None:
    return None if v is None else f"{v:,.0f}"



def pct(v) -> str:
    return "–" if v is None else f"{v:.1%}"
