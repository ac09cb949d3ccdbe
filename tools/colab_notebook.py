"""The paired notebook a reader opens in Colab or Binder, or downloads: plain Jupyter Markdown.

``tools/sync.py`` writes ``book/<part>/<chapter>.ipynb`` from the chapter's MyST source with
this module. Code cells are copied unchanged. Markdown cells lose what only Sphinx
understands:

- ``(label)=`` lines are dropped; ``{term}`` becomes its text; ``{cite}`` becomes an
  author–year citation from ``book/references.bib`` linked to the paper, e.g.
  ``(Milakov & Gimelshein, 2018)``, ``(Rabe & Staats, 2021)``, ``(Dao 외, 2022)``;
  ``{cite:t}`` gives ``Dao 외(2022)``; ``{verdict}`` becomes the verdict in bold.
  ``{ref}``, ``{numref}`` and ``{doc}`` become links to the published book page
  (``html.baseurl`` in ``_config.yml``), with the target heading's title when the role
  gives no text.
- ``{exercise}`` becomes a bold "연습 문제 n" line and its text; ``{solution}`` becomes a
  folded ``<details>`` block; admonitions and ``{live-demo}`` become block quotes with a bold
  title; ``{math}`` becomes ``$$`` math; a ``{container}`` leaves its content. Any other
  role or directive raises ``ConversionError``, so a new one cannot slip into a reader's
  notebook unconverted.
- Every glued value (``{glue:text}``, ``{glue:md}``, ``{glue}``) is filled in, formatted the
  way myst-nb formats it in the book, and one note under the title says that the numbers come
  from the book's run and that running the notebook prints its own.

Where the glued numbers come from, and why ``sync.py --check`` does not look at a build.
The values used are stored in the notebook itself (``metadata.mlbook.glued``, each value's
Python literal), with a hash of the chapter's code cells they were produced by
(``metadata.mlbook.glued_code``). The numbers are a snapshot of one executed run, not a
function of the sources: wall times and the machine line change on every run, and other
values may differ in the last digit on another CPU. So

- ``sync.py --check`` regenerates the notebook from its source with the values already
  stored in it. It checks prose and code, and behaves the same on a clean clone, after a
  build, and in CI on another machine.
- ``sync.py`` takes the values from the build (``_build/jupyter_execute``, or
  ``MLBOOK_EXECUTED``, read with ``tests/glue.py``) when the build ran the chapter's current
  code and the stored values came from other code, or lack a value the prose needs;
  otherwise it keeps the stored values, so a rebuild does not rewrite nine notebooks for
  new wall times. ``sync.py --refresh-glued`` takes every value from the build.
- ``tests/book/test_notebooks.py`` fails when a glue reference has no stored value or when
  the stored values came from other code than the chapter's current code cells (then:
  ``make book``, then ``make sync``). Values that change only because ``mlbook/`` changed are
  not detected; ``--refresh-glued`` after a build renews them.
"""
import ast
import gettext
import hashlib
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jupytext
import sphinx
import yaml
from docutils.nodes import make_id
from myst_nb.core.variables import format_plain_text
from pybtex.database import parse_file
from pybtex.richtext import Text

from mlbook import kit
from mlbook.report import VERDICTS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.glue import executed_notebook, glued_values  # noqa: E402

BOOK = ROOT / "book"
CONFIG = ROOT / "_config.yml"

# An inline role, or an inline code span that must be left alone. Spans come first in
# the text they start in, so a role's backticks are never taken for code.
INLINE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<content>[^`]*)`|(?P<ticks>`+).+?(?P=ticks)")
DIRECTIVE = re.compile(r"^ {0,3}(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
CODE_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
LABEL = re.compile(r"^\((?P<label>[^()\s]+)\)=\s*$")
MYST_COMMENT = re.compile(r"^%")
MATH_OPEN = re.compile(r"^ {0,3}\$\$")
# A closing $$, with the optional equation label MyST allows after it.
MATH_CLOSE = re.compile(r"\$\$\s*(?P<label>\([^()\s]+\))?\s*$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
# What must not survive in a generated notebook's Markdown (tests/book/test_notebooks.py).
LEFTOVER_MYST = re.compile(r"\{[\w:-]+\}`|^ {0,3}(`{3,}|:{3,})\{|^\([^()\s]+\)=\s*$", re.M)

ADMONITIONS = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important",
               "warning": "Warning", "caution": "Caution", "attention": "Attention",
               "danger": "Danger", "error": "Error", "seealso": "See also"}
LIVE_DEMO = "> **움직이는 그림** 아래 셀을 실행하면 슬라이더로 그림을 바꿀 수 있습니다."
GLUED_NOTE = ("> **본문의 숫자** 이 책을 빌드할 때 실행한 결과를 옮겨 적었습니다. "
              "셀을 직접 실행하면 여러분의 기계에서 잰 값이 출력되며, 시간처럼 실행마다 "
              "달라지는 값은 본문과 다를 수 있습니다.")
MISSING = "[값 없음: {}]"


class ConversionError(ValueError):
    """MyST that this module cannot turn into plain Markdown."""


@cache
def admonition_title(name: str) -> str:
    """The Korean title Sphinx gives the admonition in the HTML book (its own catalogue)."""
    catalogue = gettext.translation("sphinx", Path(sphinx.__file__).parent / "locale",
                                    languages=["ko"])
    return catalogue.gettext(ADMONITIONS[name])


@cache
def baseurl() -> str:
    try:
        return kit.baseurl()
    except ValueError as error:
        raise ConversionError(str(error)) from None


@dataclass(frozen=True)
class Target:
    docname: str
    title: str | None
    top: bool  # the page's own title: link to the page, not to an anchor


@cache
def targets() -> dict[str, Target]:
    """Every ``(label)=`` in the book, with the heading it labels (if it labels one)."""
    found = {}
    for md in sorted(BOOK.rglob("*.md")):
        docname = md.relative_to(ROOT).with_suffix("").as_posix()
        lines = md.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            label = LABEL.match(line)
            if not label:
                continue
            following = next((l for l in lines[i + 1:] if l.strip() and not LABEL.match(l)), "")
            heading = HEADING.match(following)
            found[label["label"]] = Target(
                docname, heading["title"] if heading else None,
                bool(heading) and len(heading["hashes"]) == 1)
    return found


@cache
def page_title(docname: str) -> str:
    md = ROOT / f"{docname}.md"
    for line in md.read_text(encoding="utf-8").splitlines():
        heading = HEADING.match(line)
        if heading and len(heading["hashes"]) == 1:
            return heading["title"]
    raise ConversionError(f"{docname}: 제목(#)이 없습니다")


@cache
def bibliography() -> dict:
    bibfiles = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["bibtex_bibfiles"]
    entries = {}
    for path in bibfiles:
        entries.update(parse_file(ROOT / path).entries)
    return entries


def citation(key: str, textual: bool) -> str:
    """Author–year for one reference: ``Dao 외, 2022`` (or ``Dao 외(2022)`` in running text)."""
    if key not in bibliography():
        raise ConversionError(f"book/references.bib에 없는 인용: {key}")
    entry = bibliography()[key]
    surnames = [Text.from_latex(" ".join(p.prelast_names + p.last_names)).render_as("text")
                for p in entry.persons["author"]]
    authors = {1: surnames[0], 2: " & ".join(surnames)}.get(len(surnames), f"{surnames[0]} 외")
    year = entry.fields["year"]
    text = f"{authors}({year})" if textual else f"{authors}, {year}"
    url = entry.fields.get("url")
    return f"[{text}]({url})" if url else text


def explicit(content: str) -> tuple[str | None, str]:
    """``text <target>`` → (text, target); a bare target → (None, target)."""
    match = re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", content.strip())
    return (match[1] or None, match[2]) if match else (None, content.strip())


def page_url(docname: str, anchor: str | None = None) -> str:
    return baseurl() + docname + ".html" + (f"#{make_id(anchor)}" if anchor else "")


@dataclass
class Chapter:
    """What converting one chapter needs beyond its text, and what it counts on the way."""

    docname: str
    values: dict[str, str]  # glued name → its value's Python literal
    referenced: set[str] = field(default_factory=set)
    exercises: int = 0

    def glued(self, role: str, content: str) -> str:
        key, fmt = content.rsplit(":", 1) if ":" in content else (content, "")
        if "::" in key:
            raise ConversionError(f"{self.docname}: 다른 문서의 값은 아직 옮기지 못합니다: {content}")
        self.referenced.add(key)
        if key not in self.values:
            return MISSING.format(key)
        if role == "glue:md":
            return ast.literal_eval(self.values[key])
        # The book formats a glued value with myst-nb; the same function formats it here.
        return format_plain_text(self.values[key], fmt)

    def role(self, name: str, content: str) -> str:
        if name in ("glue:text", "glue:md", "glue", "glue:any"):
            return self.glued(name, content)
        if name == "term":
            return explicit(content)[0] or content.strip()
        if name == "math":
            return f"${content}$"
        if name == "verdict":
            # The book's verdict badge; chapters write verdicts in bold.
            if content not in VERDICTS:
                raise ConversionError(f"{self.docname}: 없는 판정 {content!r}")
            return f"**{VERDICTS[content]}**"
        if name in ("cite", "cite:p", "cite:t"):
            cites = [citation(k.strip(), textual=name == "cite:t") for k in content.split(",")]
            return "; ".join(cites) if name == "cite:t" else "(" + "; ".join(cites) + ")"
        if name in ("ref", "numref"):
            text, label = explicit(content)
            target = targets().get(label)
            if target is None:
                raise ConversionError(f"{self.docname}: 찾을 수 없는 참조 {label}")
            text = text or target.title
            if text is None or "{number}" in text or "%s" in text:
                raise ConversionError(f"{self.docname}: {{{name}}}`{content}`에 쓸 글이 없습니다")
            url = page_url(target.docname, None if target.top else label)
            return f"[{self.inline(text)}]({url})"
        if name == "doc":
            text, path = explicit(content)
            base = ROOT if path.startswith("/") else (ROOT / self.docname).parent
            docname = (base / path.lstrip("/")).resolve().relative_to(ROOT).as_posix()
            docname = docname.removesuffix(".md")
            return f"[{self.inline(text or page_title(docname))}]({page_url(docname)})"
        raise ConversionError(f"{self.docname}: 옮길 수 없는 역할 {{{name}}}`{content}`")

    def inline(self, text: str) -> str:
        def replace(match: re.Match) -> str:
            return match[0] if match["ticks"] else self.role(match["role"], match["content"])
        return INLINE.sub(replace, text)

    def directive(self, name: str, arg: str, options: dict, body: list[str]) -> list[str]:
        if name == "math":
            return ["$$", *body, "$$"]
        if name == "exercise":
            number = "" if "nonumber" in options else f" {self.exercises + 1}"
            self.exercises += 0 if "nonumber" in options else 1
            title = f": {self.inline(arg)}" if arg else ""
            return [f"**연습 문제{number}{title}**", "", *self.blocks(body)]
        if name == "solution":
            # Markdown inside <details> renders in Jupyter and Colab only with blank lines
            # around it.
            return ["<details>", "<summary>풀이 보기</summary>", "", *self.blocks(body), "",
                    "</details>"]
        if name == "live-demo":
            return [LIVE_DEMO]
        if name == "study-materials":
            return quoted(self.study_materials())
        if name == "container":  # only a CSS class around its content in the HTML
            return self.blocks(body)
        if name in ADMONITIONS or name == "admonition":
            if name == "admonition" and not arg:
                raise ConversionError(f"{self.docname}: 제목 없는 admonition")
            title = self.inline(arg) if name == "admonition" else admonition_title(name)
            return quoted([f"**{title}**", "", *self.blocks(body)])
        raise ConversionError(f"{self.docname}: 옮길 수 없는 지시문 {{{name}}}")

    def study_materials(self) -> list[str]:
        """The chapter's study box as a list of absolute links (book/_ext/study_kit.py draws it)."""
        lines = ["**스터디 자료**", ""]
        for label, where, kind in kit.materials(self.docname):
            lines.append(f"- [{label}]({baseurl() + where if kind == 'site' else where})")
        lines.append("- 자기 점검 퀴즈: 이 노트북의 스터디 절 아래 퀴즈 셀")
        before = []
        for reading in kit.before_chapter(self.docname):
            if isinstance(reading, dict):
                before.append(f"[{reading['title']}]({reading['url']})")
            elif reading.chapter:
                before.append(f"[{reading.ko}]({page_url(reading.chapter)})")
            else:
                before.append(f"{reading.ko} (준비 중)")
        if before:
            lines.append("- 먼저 읽을 것: " + ", ".join(before))
        return lines

    def blocks(self, lines: list[str]) -> list[str]:
        """Convert Markdown lines: directives recursively, code fences verbatim, text inline."""
        out, text, i = [], [], 0

        def flush():
            if text:
                out.extend(self.inline("\n".join(text)).split("\n"))
                text.clear()

        while i < len(lines):
            line = lines[i]
            directive, code = DIRECTIVE.match(line), CODE_FENCE.match(line)
            if LABEL.match(line) or MYST_COMMENT.match(line):
                i += 1
                # No blank lines left where a dropped label stood at the top of a block.
                while not (text or out) and i < len(lines) and not lines[i].strip():
                    i += 1
            elif MATH_OPEN.match(line):
                flush()
                one_line = MATH_CLOSE.search(line.strip()[2:])
                end = i if one_line else next(
                    (j for j in range(i + 1, len(lines)) if MATH_CLOSE.search(lines[j])), None)
                if end is None:
                    raise ConversionError(f"{self.docname}: 닫히지 않은 $$: {line!r}")
                label = MATH_CLOSE.search(lines[end])["label"]
                last = lines[end].rstrip().removesuffix(label).rstrip() if label else lines[end]
                out.extend([*lines[i:end], last] if end > i else [last])
                i = end + 1
            elif directive or code:
                flush()
                fence = (directive or code)["fence"]
                end = closing(lines, i + 1, fence)
                if directive:
                    options, body = split_options(lines[i + 1:end])
                    out.extend(self.directive(directive["name"], directive["arg"].strip(),
                                              options, body))
                else:
                    out.extend(lines[i:end + 1])
                i = end + 1
            else:
                text.append(line)
                i += 1
        flush()
        return out

    def markdown(self, source: str) -> str:
        converted = "\n".join(self.blocks(source.split("\n"))).strip("\n")
        leftover = LEFTOVER_MYST.search(converted)
        if leftover:
            raise ConversionError(f"{self.docname}: 옮기지 못한 MyST: {leftover[0]!r}")
        return converted


def closing(lines: list[str], start: int, fence: str) -> int:
    """Index of the line that closes `fence` (the same character, at least as long)."""
    pattern = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    for j in range(start, len(lines)):
        if pattern.match(lines[j]):
            return j
    raise ConversionError(f"닫히지 않은 울타리: {lines[start - 1]!r}")


def split_options(lines: list[str]) -> tuple[dict, list[str]]:
    """A directive's ``:key: value`` lines (or ``---`` YAML block) and its body."""
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1)
        return yaml.safe_load("\n".join(lines[1:end])) or {}, trimmed(lines[end + 1:])
    options = {}
    while lines and OPTION.match(lines[0]):
        option = OPTION.match(lines[0])
        options[option["key"]] = option["value"]
        lines = lines[1:]
    return options, trimmed(lines)


def trimmed(lines: list[str]) -> list[str]:
    """Without blank lines at either end."""
    start = next((i for i, l in enumerate(lines) if l.strip()), len(lines))
    end = next((i for i in range(len(lines), 0, -1) if lines[i - 1].strip()), 0)
    return lines[start:end]


def quoted(lines: list[str]) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in lines]


def code_hash(cells) -> str:
    """Which code produced a set of glued values: a hash of the code cells, in order."""
    sources = [c["source"] if isinstance(c["source"], str) else "".join(c["source"])
               for c in cells if c["cell_type"] == "code"]
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:16]


def build_values(docname: str) -> tuple[dict[str, str], str] | None:
    """The glued values of the build's run of `docname` and its code hash, if there is one."""
    try:
        values = glued_values(docname)
    except (FileNotFoundError, RuntimeError):  # not built, or built before the source changed
        return None
    executed = jupytext.read(executed_notebook(docname))
    return {k: repr(v) for k, v in values.items()}, code_hash(executed.cells)


def glue_keys(nb, docname: str) -> set[str]:
    """The glued names the notebook's Markdown cells refer to (a conversion without values)."""
    probe = Chapter(docname, {})
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            probe.markdown(cell.source)
    return probe.referenced


def stored(paired: Path) -> tuple[dict[str, str], str | None]:
    if not paired.exists():
        return {}, None
    meta = jupytext.read(paired).metadata.get("mlbook", {})
    return dict(meta.get("glued", {})), meta.get("glued_code")


def notebook_text(md: Path, *, from_build: bool = True, refresh: bool = False) -> str:
    """The paired notebook of the chapter `md`, as the text of an ``.ipynb`` file.

    `from_build`: whether values may come from the build (False for ``sync.py --check``);
    `refresh`: take every value from the build even when the stored ones fit the code.
    """
    nb = jupytext.read(md)
    docname = md.resolve().relative_to(ROOT).with_suffix("").as_posix()
    values, values_code = stored(md.with_suffix(".ipynb"))
    keys = glue_keys(nb, docname)
    current = code_hash(nb.cells)
    build = build_values(docname) if from_build else None
    outdated = values_code != current or bool(keys - values.keys())
    if build and build[1] == current and (refresh or outdated):
        values, values_code = build
    if keys and values_code != current:
        print(f"{docname}: 붙인 숫자가 지금 코드의 실행 결과가 아닙니다. "
              "`make book` 다음 `make sync`를 실행하세요.", file=sys.stderr)
    chapter = Chapter(docname, {k: v for k, v in values.items() if k in keys})

    nb.metadata.pop("jupytext", None)
    # Stable cell ids (nbformat wants them; jupytext would draw random ones), so an
    # unchanged chapter always gives the same file.
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
        if cell.cell_type == "markdown":
            cell.source = chapter.markdown(cell.source)
    if keys:
        title = next(c for c in nb.cells if c.cell_type == "markdown")
        title.source += "\n\n" + GLUED_NOTE
        nb.metadata["mlbook"] = {"glued": dict(sorted(chapter.values.items())),
                                 "glued_code": values_code}
    nb.metadata["language_info"] = {"name": "python"}
    return jupytext.writes(nb, fmt="ipynb")
