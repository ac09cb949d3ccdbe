"""Glue measured numbers into the page and report the paper's claims against them.

Every number the prose shows is glued from an executed cell (``{glue:text}`key:.3f```),
never typed. The tests read the same glued values back from the executed notebook, so a
claim shown as held in the book is asserted by the test suite too.

Outside the book build (Colab, Binder, a plain Jupyter) myst-nb may be missing; `glue`
then only remembers the value, so the notebook still runs unchanged.
"""
from dataclasses import dataclass
import datetime
import json
import numbers
import os
import re
import statistics
import time
from pathlib import Path

try:  # pragma: no cover - which branch runs depends on the environment
    from myst_nb import glue as _myst_glue
except ImportError:  # Colab has no myst-nb; gluing is only for the HTML book
    _myst_glue = None

# How a claim fared. "untested" is for a claim this book did not measure the way the paper
# did (a GPU kernel's speed judged from FLOPs, training memory judged from a forward pass):
# its `measured` text says why, and no proxy may turn it into "held" or "partial".
VERDICTS = {
    "held": "재현됨",
    "partial": "부분 재현",
    "failed": "재현 안 됨",
    "untested": "재지 않음",
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
        for text in (self.paper, self.measured):
            if PYTHON_REPR.search(text):
                raise ValueError("표 칸에는 True/False나 리스트 표기 대신 문장을 쓰세요 "
                                 f"(yes_no(), 쉼표로 이은 값): {text!r}")


# What a reader should never see in a claims table: Python's booleans and list reprs.
PYTHON_REPR = re.compile(r"\b(True|False|None)\b|\[\s*(['\"]|-?\d)[^\]]*,[^\]]*\]")


def yes_no(flag: bool) -> str:
    """예/아니오 for a yes-no fact in a table cell."""
    return "예" if flag else "아니오"


def verdict(held: bool, partial: bool = False) -> str:
    """``held`` if the full claim holds, ``partial`` if only part of it does, else ``failed``.

    A claim that was not measured the way the paper measured it is ``"untested"``: pass that
    string to `Claim` directly, with the reason in `measured`.
    """
    if held:
        return "held"
    return "partial" if partial else "failed"


@dataclass
class SeedEffect:
    """A difference measured over several seeds, and whether it is larger than its spread.

    The book's rule for qualitative claims ("A is better than B"): at least `MIN_SEEDS`
    seeds, and the effect counts as *clear* only when every seed's paired difference has
    the same sign and the mean difference exceeds two standard errors of the differences.
    Decide the direction before looking at the result; `clear` never looks at which way
    the paper points.
    """

    diffs: tuple

    MIN_SEEDS = 3

    @property
    def mean(self) -> float:
        return statistics.fmean(self.diffs)

    @property
    def stderr(self) -> float:
        return statistics.stdev(self.diffs) / len(self.diffs) ** 0.5 if len(self.diffs) > 1 else float("inf")

    @property
    def clear(self) -> bool:
        same_sign = all(d > 0 for d in self.diffs) or all(d < 0 for d in self.diffs)
        return len(self.diffs) >= self.MIN_SEEDS and same_sign and abs(self.mean) > 2 * self.stderr

    def describe(self, digits: int = 3) -> str:
        """Korean summary for a claims table: mean, standard error, seeds, per-seed values."""
        each = ", ".join(f"{d:+.{digits}f}" for d in self.diffs)
        return (f"평균 {self.mean:+.{digits}f} (표준오차 {self.stderr:.{digits}f}, 시드 {len(self.diffs)}개: {each})")


def seed_effect(a, b) -> SeedEffect:
    """Paired per-seed differences ``a[i] - b[i]``."""
    if len(a) != len(b):
        raise ValueError("두 쪽의 시드 수가 같아야 합니다.")
    return SeedEffect(tuple(float(x) - float(y) for x, y in zip(a, b)))


def claims_markdown(claims: list[Claim]) -> str:
    """The claims as a Markdown table (Korean headers)."""
    rows = ["| 논문의 주장 | 이 장의 측정 | 판정 |", "|---|---|---|"]
    for c in claims:
        # The verdict cell holds the label alone: the book styles it as a badge.
        # A "|" in a cell (|E g|, p(x|y)) would end the cell: Markdown tables take it escaped.
        paper, measured = (text.replace("|", "\\|") for text in (c.paper, c.measured))
        rows.append(f"| {paper} | {measured} | {VERDICTS[c.verdict]} |")
    return "\n".join(rows)


def report_claims(claims: list[Claim]):
    """Glue every claim and the table; the first claim is the chapter's headline.

    Glued keys per claim: ``claim_<key>_verdict`` (held, partial, failed, untested),
    ``claim_<key>_label`` (its Korean word, for prose that states the verdict:
    ``{glue:text}`claim_main_label```) and ``claim_<key>_measured``; and
    ``headline_claim``/``headline_measured``/``headline_verdict`` for the paper index.
    Returns the table as Markdown, so the cell's output shows it.
    """
    from IPython.display import Markdown

    for c in claims:
        glue(f"claim_{c.key}_verdict", c.verdict)
        glue(f"claim_{c.key}_label", VERDICTS[c.verdict])
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


# GPU-scale runs: tools/run_chapter.py --gpu-record executes a chapter at "gpu" scale on a lent
# GPU and writes its glued values, with the device, date and commit, to book/data/gpu/<chapter>.json.
GPU_RESULTS = Path("book") / "data" / "gpu"


def _gpu_results_file(chapter: str) -> Path | None:
    """The chapter's GPU results file, looked up from the working directory upwards."""
    start = Path(os.environ.get("MLBOOK_ROOT", Path.cwd())).resolve()
    for folder in (start, *start.parents):
        candidate = folder / GPU_RESULTS / f"{chapter}.json"
        if candidate.exists():
            return candidate
    return None


def gpu_results(chapter: str) -> dict | None:
    """The recorded GPU run of `chapter` (``{"device", "date", "commit", "glued"}``), or None."""
    path = _gpu_results_file(chapter)
    return json.loads(path.read_text(encoding="utf-8")) if path else None


def gpu_table(chapter: str, rows: dict[str, str], fmt: str = ".3g"):
    """The "does scale close the gap?" table: this run's glued values beside the GPU run's.

    `rows` maps glued names to Korean row labels. Nothing is typed: the CPU column comes
    from this execution (`GLUED`), the GPU column from the recorded file, with its device,
    date and commit. Without a file the chapter says that the GPU run has not been made.
    """
    from IPython.display import Markdown

    record = gpu_results(chapter)
    if record is None:
        return Markdown("GPU 규모 실행은 아직 하지 않았습니다. GPU를 쓸 수 있을 때 "
                        "`tools/run_chapter.py --gpu-record`가 그 결과를 이 자리에 채웁니다.")
    gpu = record["glued"]

    def cell(value):
        return "없음" if value is None else format(value, fmt) if isinstance(value, float) else str(value)

    head = (f"| 측정 | CPU (이 실행, 규모 toy) | GPU ({record['device']}, {record['date']}, "
            f"커밋 {record['commit'][:7]}, 규모 {record.get('scale', 'gpu')}) |")
    lines = [head, "|---|---|---|"]
    for key, label in rows.items():
        lines.append(f"| {label} | {cell(GLUED.get(key))} | {cell(gpu.get(key))} |")
    return Markdown("\n".join(lines))


def gpu_record(chapter: str, glued: dict, device: str, commit: str, scale: str = "gpu") -> dict:
    """The content of a GPU results file (written by tools/run_chapter.py --gpu-record)."""
    return {"chapter": chapter, "device": device, "scale": scale, "commit": commit,
            "date": datetime.date.today().isoformat(), "glued": glued}
