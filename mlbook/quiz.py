"""Self-check quizzes for study groups, from the chapter's own measured values.

A chapter's 스터디 section calls `show_quiz([...])` once, in a cell tagged
``[remove-input, quiz]``. Questions are plain dicts in jupyterquiz's format, built with
`choice`, `numeric` and `verdict_question`:

* `verdict_question` is generated: its correct option is the verdict the chapter glued
  for the claim, so the quiz can never disagree with the claims table.
* `numeric` takes the measured variable itself, never a typed number.
* Every option carries Korean feedback; answers keep their order (print, answer key and
  web agree).

`show_quiz` checks the questions, glues them as JSON (``quiz``: the handout, the answer
key and the tests read that one source) and renders them with jupyterquiz, which works
in the static HTML book without a kernel and in Colab. Without jupyterquiz it prints the
questions as text.
"""
import hashlib
import html
import json
import re

from mlbook.report import GLUED, VERDICTS, glue

HANGUL = re.compile(r"[가-힣]")
OPTION_MARKS = "가나다라마바사"

# jupyterquiz's own interface strings, in Korean.
KOREAN_UI = {
    "Correct!": "정답입니다!",
    "Incorrect -- try again.": "아닙니다. 다시 골라 보세요.",
    "Incorrect. Try again.": "아닙니다. 다시 해 보세요.",
    'jaxify("Correct")': 'jaxify("정답입니다")',
    "Type numeric answer here:": "숫자로 답하세요:",
}


def _option(text: str, correct: bool, feedback: str) -> dict:
    return {"answer": text, "correct": bool(correct), "feedback": feedback}


def choice(question: str, options: list[tuple[str, bool, str]]) -> dict:
    """A single-answer question; `options` are ``(text, correct, Korean feedback)``."""
    return {"question": question, "type": "multiple_choice",
            "answers": [_option(*o) for o in options]}


def numeric(question: str, value: float, tolerance: float, right: str, wrong: str,
            precision: int = 3) -> dict:
    """A number to type in; any answer within ``value ± tolerance`` is right.

    Pass the chapter's measured variable as `value`: the range then follows the run.
    """
    value = float(value)
    return {"question": question, "type": "numeric", "precision": precision,
            "answers": [{"type": "range", "range": [value - tolerance, value + tolerance],
                         "correct": True, "feedback": right},
                        {"type": "default", "feedback": wrong}]}


def verdict_question(claim_key: str, claim: str) -> dict:
    """"How did the book judge this claim?": the correct option is the glued verdict."""
    judged = GLUED[f"claim_{claim_key}_verdict"]
    measured = GLUED.get(f"claim_{claim_key}_measured", "")
    options = []
    for key, label in VERDICTS.items():
        if key == judged:
            feedback = f"맞습니다. 이 책의 측정: {measured}"
        else:
            feedback = "아닙니다. '주장 대 결과' 표에서 이 주장의 판정과 근거를 다시 보세요."
        options.append((label, key == judged, feedback))
    question = choice(f"이 장은 논문의 주장 \"{claim}\"을(를) 어떻게 판정했나요?", options)
    question["claim"] = claim_key   # the tests check its answer against the glued verdict
    return question


def check(questions: list[dict]) -> None:
    """Raise ValueError when a question breaks the quiz rules."""
    if not questions:
        raise ValueError("퀴즈에 문제가 없습니다.")
    for n, q in enumerate(questions, start=1):
        if not HANGUL.search(q.get("question", "")):
            raise ValueError(f"{n}번 문제의 질문이 한국어가 아닙니다.")
        answers = q.get("answers", [])
        if q["type"] == "multiple_choice":
            if not 2 <= len(answers) <= len(OPTION_MARKS):
                raise ValueError(f"{n}번 문제의 보기 수가 맞지 않습니다: {len(answers)}")
            if sum(a["correct"] for a in answers) != 1:
                raise ValueError(f"{n}번 문제는 정답이 정확히 하나여야 합니다.")
        elif q["type"] == "numeric":
            if not any(a.get("correct") for a in answers):
                raise ValueError(f"{n}번 문제에 정답 범위가 없습니다.")
        else:
            raise ValueError(f"{n}번 문제의 종류를 모릅니다: {q['type']!r}")
        for a in answers:
            if not HANGUL.search(a.get("feedback", "")):
                raise ValueError(f"{n}번 문제의 보기마다 한국어 해설이 있어야 합니다.")


def as_text(questions: list[dict]) -> str:
    """The questions as numbered text with 가/나/다/라 options and no answers (print, no JS)."""
    lines = []
    for n, q in enumerate(questions, start=1):
        lines.append(f"{n}. {q['question']}")
        if q["type"] == "multiple_choice":
            lines += [f"   {OPTION_MARKS[i]}. {a['answer']}" for i, a in enumerate(q["answers"])]
        else:
            lines.append("   (숫자로 답하세요)")
    return "\n".join(lines)


def _render_korean(questions: list[dict]) -> bool:
    """Render with jupyterquiz, its interface strings in Korean; False when it is missing."""
    try:
        from IPython.display import HTML, Javascript, display
        from jupyterquiz.dynamic.loader import load_questions_script
        from jupyterquiz.dynamic.renderer import build_script, build_styles, render_div
    except ImportError:
        return False
    # A fixed id: the same chapter renders the same page (jupyterquiz draws a random one).
    div_id = "quiz" + hashlib.sha1(json.dumps(questions, ensure_ascii=False).encode()).hexdigest()[:10]
    prefix, static, url = load_questions_script(questions, div_id)
    div = render_div(div_id, shuffle_questions=False, shuffle_answers=False, preserve_responses=False,
                     num=1_000_000, max_width=640, border_radius=10, question_alignment="left")
    colors = {"--jq-multiple-choice-bg": "#00798c", "--jq-numeric-bg": "#4a4e69",
              "--jq-correct-color": "#0a7d32", "--jq-incorrect-color": "#b00020",
              "--jq-text-color": "#ffffff", "--jq-mc-button-bg": "#fafafa",
              "--jq-mc-button-border": "#e0e0e0", "--jq-mc-button-inset-shadow": "#555555",
              "--jq-many-choice-bg": "#d1495b", "--jq-numeric-input-bg": "#f0f0f0",
              "--jq-numeric-input-label": "#101010", "--jq-numeric-input-shadow": "#999999",
              "--jq-string-bg": "#4a4e69", "--jq-link-color": "#cfe8ff"}
    script = build_script(prefix, static, url, div_id, True)
    for english, korean in KOREAN_UI.items():
        script = script.replace(english, korean)
    display(HTML(div + build_styles(div_id, colors)))
    display(Javascript(script))
    return True


def show_quiz(questions: list[dict]) -> None:
    """Check, glue (``quiz``, JSON) and render the chapter's quiz.

    A text version without answers goes along, hidden on screen and shown in print (the
    book's print stylesheet): the handout lists the questions with 가/나/다/라 options.
    """
    from IPython.display import HTML, display

    check(questions)
    glue("quiz", json.dumps(questions, ensure_ascii=False))
    text = "<pre>" + html.escape(as_text(questions)) + "</pre>"
    if _render_korean(questions):
        display(HTML(f'<div class="quiz-print" style="display:none">{text}</div>'))
    else:
        display(HTML(text))
