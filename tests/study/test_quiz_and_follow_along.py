"""Quizzes, the answer key and follow-along notebooks: every chapter, from its executed values."""
import html
import json
import re

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from mlbook import quiz
from mlbook.report import VERDICTS
from tests.browser import dump_dom
from tests.glue import glued_values
from tools.follow_along import STUB, TAG

from ..book.conftest import CHAPTERS, HTML, ROOT


def chapter_quiz(chapter) -> list[dict]:
    glued = glued_values(chapter)
    assert "quiz" in glued, f"{chapter}: 퀴즈가 없습니다 (mlbook.quiz.show_quiz)"
    return json.loads(glued["quiz"])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_source_has_the_study_box_and_a_quiz_cell(chapter):
    text = (ROOT / f"{chapter}.md").read_text(encoding="utf-8")
    study = text.split("## 스터디", 1)[1]
    assert study.lstrip().startswith("```{study-materials}"), "스터디 절 맨 위에 스터디 자료 상자가 있어야 합니다"
    slug = chapter.rsplit("/", 1)[1].replace("_", "-")
    assert f"(ch-{slug}-quiz)=" in study
    cells = [c for c in jupytext.read(ROOT / f"{chapter}.md").cells if "show_quiz(" in c.source]
    assert len(cells) == 1 and {"remove-input", "quiz"} <= set(cells[0].metadata.get("tags", []))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_quiz_keeps_the_rules(chapter):
    questions = chapter_quiz(chapter)
    quiz.check(questions)
    assert 3 <= len(questions) <= 5


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_claim_question_answers_with_the_glued_verdict(chapter):
    glued = glued_values(chapter)
    claims = [q for q in chapter_quiz(chapter) if "claim" in q]
    assert claims, "판정 문제가 없습니다 (verdict_question)"
    for q in claims:
        correct = [a["answer"] for a in q["answers"] if a["correct"]]
        assert correct == [VERDICTS[glued[f"claim_{q['claim']}_verdict"]]]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_numeric_answers_contain_a_measured_value(chapter):
    glued = glued_values(chapter)
    measured = [v for k, v in glued.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
                and not k.startswith("time_")]
    for q in chapter_quiz(chapter):
        if q["type"] != "numeric":
            continue
        low, high = next(a["range"] for a in q["answers"] if a.get("correct"))
        assert any(low <= v <= high for v in measured), f"{q['question']}: 범위 안에 잰 값이 없습니다"


def test_answer_key_lists_every_question_with_its_answer(html_dir=HTML):
    page = (html_dir / "book" / "study" / "answers.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    flat = re.sub(r"\s+", "", text)
    for chapter in CHAPTERS:
        for q in chapter_quiz(chapter):
            assert re.sub(r"\s+", "", q["question"]) in flat
            if q["type"] == "multiple_choice":
                right = next(a["answer"] for a in q["answers"] if a["correct"])
                assert re.sub(r"\s+", "", right) in flat


# Clicks every option of every question on a chapter page and records what the reader sees.
CLICK_ALL = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const out = [];
  document.querySelectorAll('.Quiz').forEach((question, q) => {
    question.querySelectorAll('label.MCButton').forEach((button) => {
      button.click();
      const fb = document.getElementById('fb' + button.id.split('-')[0]);
      out.push({q, correct: button.dataset.correct === 'true',
                cls: button.className, feedback: fb ? fb.textContent : ''});
    });
  });
  document.body.setAttribute('data-mlbook-quiz', JSON.stringify(out));
}, 500));
</script></body>"""


def test_quiz_answers_and_feedback_in_a_real_browser():
    chapter = CHAPTERS[0]
    source = HTML / f"{chapter}.html"
    probe = source.with_name("_quiz_probe_" + source.name)
    probe.write_text(source.read_text(encoding="utf-8").replace("</body>", CLICK_ALL), encoding="utf-8")
    try:
        dom = dump_dom(probe.as_uri(), offline=True)
    finally:
        probe.unlink()
    found = re.search(r'data-mlbook-quiz="([^"]*)"', dom)
    assert found, "퀴즈 스크립트가 실행되지 않았습니다"
    clicks = json.loads(html.unescape(found.group(1)))
    assert clicks, "누를 보기가 없습니다"
    for click in clicks:
        assert ("correctButton" if click["correct"] else "incorrectButton") in click["cls"]
        assert re.search(r"[가-힣]", click["feedback"]), click


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_follow_along_notebook_stops_at_the_first_check(chapter):
    path = ROOT / f"{chapter}.follow.ipynb"
    assert path.exists(), f"{path.name}가 없습니다: 핵심 함수 셀에 study-blank 태그를 붙이고 `make sync`"
    nb = nbformat.read(path, as_version=4)
    blanks = [i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", [])]
    assert 1 <= len(blanks) <= 2 and all(STUB in nb.cells[i].source for i in blanks)
    with pytest.raises(CellExecutionError) as failure:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    assert failure.value.ename == "NotImplementedError", failure.value.ename
    failed = next(i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    assert failed > blanks[0], "빈칸 셀 자체가 아니라 뒤의 검사 셀에서 멈춰야 합니다"
