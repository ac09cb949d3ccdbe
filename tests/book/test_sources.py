"""The sources are consistent: generated files fresh, every chapter complete and wired in."""
import re
import subprocess
import sys

import jupytext
import pytest
import yaml

from .conftest import CHAPTERS, CONFIG, PAPERS, ROOT, SECTIONS


def test_generated_files_are_fresh():
    """Paired .ipynb files and book/papers.md match their sources (run `make sync`)."""
    run = subprocess.run([sys.executable, "tools/sync.py", "--check"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, "생성 파일이 낡았습니다. `make sync`를 실행하세요:\n" + run.stdout


def test_papers_yml_lists_44_distinct_papers():
    assert len(PAPERS) == 44
    assert len({p["arxiv"] for p in PAPERS}) == 44
    assert all(re.fullmatch(r"\d{4}\.\d{5}", p["arxiv"]) for p in PAPERS)


def test_toc_chapters_and_papers_yml_agree():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    in_parts = [f for f in files if f.split("/")[1] not in ("guide", "study") and f.count("/") == 2]
    assert sorted(in_parts) == sorted(CHAPTERS)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_follows_the_anatomy(chapter):
    text = (ROOT / f"{chapter}.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings == SECTIONS, f"{chapter}: 절 순서가 장 구성과 다릅니다: {headings}"
    assert re.search(r"\{cite\}`[^`]+`", text), "논문 카드가 논문을 인용해야 합니다"
    assert "```{exercise}" in text and "```{solution}" in text
    assert re.search(r"```\{solution\}[^`]*:class: dropdown", text), "풀이는 접혀 있어야 합니다"
    assert "ipywidgets" in text and "checked(" in text, "위젯과 입력 범위 검사가 필요합니다"
    assert "report_claims(" in text
    assert re.search(r"\{glue:text\}`time_total", text), "논문 카드에 실행 시간이 붙어야 합니다"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_colab_notebook_installs_the_package_only_when_missing(chapter):
    nb = jupytext.read(ROOT / f"{chapter}.ipynb")
    first = nb.cells[0] if nb.cells[0].cell_type == "code" else next(
        c for c in nb.cells if c.cell_type == "code")
    template = jupytext.read(ROOT / "tools" / "chapter_template.md")
    assert "remove-cell" in first.metadata.get("tags", [])
    assert first.source == template.cells[1].source, "설치 셀은 템플릿과 같아야 합니다"
    assert 'find_spec("mlbook") is None' in first.source
    assert f"git+{CONFIG['repository']['url']}" in first.source


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_a_claims_test(chapter):
    slug = chapter.rsplit("/", 1)[1]
    assert (ROOT / "tests" / "chapters" / f"test_{slug}.py").exists()


def test_prose_does_not_repeat_the_source_notes():
    hook = ROOT.parent / "shared" / "hooks" / "originality.py"
    seeds = ROOT.parent / "shared" / "seeds"
    if not hook.exists() or not seeds.exists():
        pytest.skip("../shared 가 없습니다")
    run = subprocess.run([sys.executable, str(hook), "book", str(seeds)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.stdout == "", run.stdout


def avoided_spellings() -> dict[str, str]:
    """``{variant: glossary term}`` from the glossary's "쓰지 않는 표기: a, b." notes."""
    text = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    found = {}
    for term, body in re.findall(r"^(\S[^\n]*)\n((?:  [^\n]*\n?)+)", text, flags=re.M):
        note = re.search(r"쓰지 않는 표기: ([^.]+)\.", body)
        for variant in (note.group(1).split(", ") if note else []):
            found[variant] = term
    return found


def prose(path) -> str:
    """A page's Markdown without code cells, code blocks and inline code.

    Directives such as ``{exercise}`` and ``{solution}`` are prose and stay.
    """
    kept, directives, code_fence = [], [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        fence = re.match(r"^(`{3,}|~{3,})(.*)$", line)
        if code_fence:
            code_fence = None if line.strip() == code_fence else code_fence
        elif fence and directives and line.strip() == directives[-1]:
            directives.pop()
        elif fence and fence.group(2).startswith("{") and not fence.group(2).startswith("{code-cell}"):
            directives.append(fence.group(1))
        elif fence:
            code_fence = fence.group(1)
        else:
            kept.append(line)
    return re.sub(r"`[^`\n]*`", "", "\n".join(kept))


def test_glossary_names_spellings_to_avoid():
    assert len(avoided_spellings()) >= 20


@pytest.mark.parametrize("page", sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "book").rglob("*.md")
                                        if p.name not in ("glossary.md",)))
def test_prose_uses_one_term_per_concept(page):
    text = prose(ROOT / page)
    used = {v: t for v, t in avoided_spellings().items() if v in text}
    assert not used, f"용어집과 다른 표기: {used}"
