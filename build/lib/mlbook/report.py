"""Glue measured numbers into the page and report the paper's claims against them.

Every number the prose shows is glued from an executed cell (``{glue:text}`key:.3f```),
never typed. The tests read the same glued values back from the executed notebook, so a
claim shown as held in the book is asserted by the test suite too.

Outside the book build (Colab, Binder, a plain Jupyter) myst-nb may be missing; `glue`
then only remembers the value, so the notebook still runs unchanged.
"""
from dataclasses import dataclass
import numbers
import time

try:  # pragma: no cover - which branch runs depends on the environment
    from myst_nb import glue as _myst_glue
except ImportError:  # Colab has no myst-nb; gluing is only for the HTML book
    _myst_glue = None

VERDICTS = {
    "held": "재현됨",
    "partial": "부분 재현",
    "failed": "재현 안 됨",
}

GLUED: dict = {}


def _plain(value):
    """NumPy and torch scalars become Python numbers, so the glued repr is a literal."""
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def glue(name: str, value, display: bool = False) -> None:
    """Store `value` under `name` for ``{glue:...}`` roles (and in `GLUED`)."""
    value = _plain(value)
    GLUED[name] = value
    if _myst_glue is not None:
        _myst_glue(name, value, display=display)
    elif display:
        print(f"{name} = {value}")


@dataclass
class Claim:
    """One row of the chapter's "주장 대 결과" table.

    `paper` says what the paper claims, `measured` what this run measured (a sentence
    built from the glued numbers), `verdict` one of ``held``, ``partial``, ``failed``.
    """

    key: str
    paper: str
    measured: str
    verdict: str

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict는 {list(VERDICTS)} 중 하나여야 합니다: {self.verdict!r}")


def verdict(held: bool, partial: bool = False) -> str:
    """``held`` if the full claim holds, ``partial`` if only part of it does, else ``failed``."""
    if held:
        return "held"
    return "partial" if partial else "failed"


def claims_markdown(claims: list[Claim]) -> str:
    """The claims as a Markdown table (Korean headers)."""
    rows = ["| 논문의 주장 | 이 장의 측정 | 판정 |", "|---|---|---|"]
    for c in claims:
        rows.append(f"| {c.paper} | {c.measured} | **{VERDICTS[c.verdict]}** |")
    return "\n".join(rows)


def report_claims(claims: list[Claim]):
    """Glue every claim and the table; the first claim is the chapter's headline.

    Glued keys: ``claim_<key>_verdict`` and ``claim_<key>_measured`` per claim, and
    ``headline_claim``/``headline_measured``/``headline_verdict`` for the paper index.
    Returns the table as Markdown, so the cell's output shows it.
    """
    from IPython.display import Markdown

    for c in claims:
        glue(f"claim_{c.key}_verdict", c.verdict)
        glue(f"claim_{c.key}_measured", c.measured)
    head = claims[0]
    glue("headline_claim", head.paper)
    glue("headline_measured", head.measured)
    glue("headline_verdict", VERDICTS[head.verdict])
    return Markdown(claims_markdown(claims))


class Stopwatch:
    """Wall time of a whole chapter: started in the first cell, glued in the last."""

    def __init__(self):
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start
