"""Markdown reports of evaluations: a table of the figures and a PNG plot beside the report.

Writes files only; computes nothing. matplotlib is imported lazily with the Agg backend (no display).
"""

from __future__ import annotations

from pathlib import Path


def write_report(path: Path, title: str, rows: list[dict], plot: dict, command: str) -> Path:
    """Write ``path`` (Markdown) and ``path`` with .png (the plot); returns the PNG path.

    ``rows`` become a table (keys are columns); ``plot`` is {"kind": "lines"|"hist", ...} as drawn below.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    png = path.with_suffix(".png")
    figure, axes = plt.subplots(figsize=(6, 4), dpi=110)
    if plot["kind"] == "lines":
        for label, ys in plot["series"].items():
            axes.plot(plot["x"], ys, marker="o", label=label)
        axes.set_xscale("log")
        axes.legend()
    else:
        for label, values in plot["series"].items():
            axes.hist(values, bins=plot.get("bins", 30), alpha=0.6, label=label)
        axes.legend()
    axes.set_xlabel(plot["xlabel"])
    axes.set_ylabel(plot["ylabel"])
    axes.set_title(title)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(png)
    plt.close(figure)

    columns = list(rows[0]) if rows else []
    lines = [f"# {title}", "", f"Command: `{command}`", "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    lines += ["", f"![{title}]({png.name})", ""]
    path.write_text("\n".join(lines))
    return png
