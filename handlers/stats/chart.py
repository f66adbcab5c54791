"""The monthly chart as a PNG: cases received each month, stacked by outcome.

matplotlib's object API with the Agg canvas: no display, no pyplot global state, so it can
run in a worker thread.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence

from storage.models import CaseStatus

# outcome → colour (green, red, amber, grey), stacked in this order
COLOURS = {
    CaseStatus.THANH.value: "#2e7d32",
    CaseStatus.KHONG_THANH.value: "#c62828",
    CaseStatus.DANG_HOA_GIAI.value: "#f9a825",
    CaseStatus.KET_THUC.value: "#757575",
}


def monthly_png(
    months: Sequence[int], counts: Mapping[int, Counter[str]], labels: Mapping[str, str], title: str, ylabel: str
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, 4.5), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = list(range(len(months)))
    bottom = [0] * len(months)
    for status, colour in COLOURS.items():
        values = [counts.get(m, Counter()).get(status, 0) for m in months]
        ax.bar(xs, values, bottom=bottom, color=colour, label=labels[status], width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(xs, [f"{m % 100:02d}/{m // 100}" for m in months], rotation=45 if len(months) > 6 else 0, fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max([*bottom, 1]) * 1.15)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8, loc="upper left", ncols=2, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
