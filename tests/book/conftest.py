"""Shared facts about the built book for the HTML, search and source tests."""
import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# MLBOOK_HTML_DIR points the tests at another build (e.g. one made with Sphinx's default search).
HTML = Path(os.environ.get("MLBOOK_HTML_DIR", ROOT / "_build" / "html"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
PAPERS = yaml.safe_load((ROOT / "book" / "data" / "papers.yml").read_text(encoding="utf-8"))["papers"]
CHAPTERS = [p["chapter"] for p in PAPERS if p.get("chapter")]
SECTIONS = ["논문 카드", "핵심 아이디어", "재현", "주장 대 결과", "그림", "직접 해보기", "스터디"]


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("_build/html 이 없습니다: 먼저 `make book`으로 책을 만드세요.")
    return HTML
