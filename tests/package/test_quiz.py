"""The quiz helper: rules a chapter's quiz must keep, and the Korean rendering."""
import json

import pytest

from mlbook import quiz, report


def good_quiz():
    report.report_claims([report.Claim("main", "A가 B보다 덜 잊는다", "평균 +0.08", "partial")])
    measured_gap = 0.0812
    return [
        quiz.verdict_question("main", "A가 B보다 덜 잊는다"),
        quiz.choice("LoRA가 바꾸는 것은 무엇인가요?", [
            ("가중치 전체", False, "아닙니다. 원래 가중치는 얼어 있습니다."),
            ("낮은 랭크의 두 행렬", True, "맞습니다. B·A만 배웁니다."),
        ]),
        quiz.numeric("측정한 격차는 얼마인가요?", measured_gap, 0.005, "맞습니다.", "표를 다시 보세요."),
    ]


def test_verdict_question_takes_its_answer_from_the_glued_verdict():
    q = good_quiz()[0]
    correct = [a["answer"] for a in q["answers"] if a["correct"]]
    assert correct == ["부분 재현"] and q["claim"] == "main"
    assert [a["answer"] for a in q["answers"]] == list(report.VERDICTS.values())   # fixed order


def test_numeric_answer_is_a_range_around_the_measured_value():
    q = good_quiz()[2]
    low, high = q["answers"][0]["range"]
    assert low < 0.0812 < high and high - low == pytest.approx(0.01)


@pytest.mark.parametrize("break_it", [
    lambda qs: qs[1]["answers"][0].update(correct=True),           # two correct options
    lambda qs: qs[1]["answers"][1].update(correct=False),          # none correct
    lambda qs: qs[1]["answers"][0].update(feedback="Wrong."),      # feedback not Korean
    lambda qs: qs[2]["answers"][0].update(correct=False),          # numeric without an answer
    lambda qs: qs[1].update(question="What is LoRA?"),             # question not Korean
])
def test_check_refuses_a_broken_quiz(break_it):
    questions = good_quiz()
    quiz.check(questions)
    break_it(questions)
    with pytest.raises(ValueError):
        quiz.check(questions)


def test_show_quiz_glues_json_and_renders_korean_ui(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    questions = good_quiz()
    quiz.show_quiz(questions)
    assert json.loads(report.GLUED["quiz"]) == questions
    html, script, printed = shown
    assert 'data-shuffleanswers="False"' in html
    assert 'class="quiz-print" style="display:none"' in printed and "가. 가중치 전체" in printed
    for english in ("Correct!", "Incorrect -- try again.", "Type numeric answer here:"):
        assert english not in script
    assert "정답입니다" in script and "숫자로 답하세요" in script


def test_text_fallback_numbers_options_in_korean_order():
    text = quiz.as_text(good_quiz())
    assert "2. LoRA가 바꾸는 것은 무엇인가요?\n   가. 가중치 전체\n   나. 낮은 랭크의 두 행렬" in text
    assert "맞습니다" not in text   # no answers in print
