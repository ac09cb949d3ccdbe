# Two commands set up a fresh machine (see README.md):
#   make book   – install into .venv, execute every chapter (both cores), build the HTML book
#   make test   – everything `make book` does, then the tests (package, claims, sources, HTML, search)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# The build and the claim tests must not run a chapter twice: execution fills the
# jupyter-cache, the HTML build reads it, and the tests read the build's executed notebooks.
export MLBOOK_PROGRESS = 0

.PHONY: book test venv execute html slides handouts debs sync clean bench dupes

venv: $(VENV)/.installed

# torch==2.13.0 first: it is a local CPU build here, and requirements.txt accepts it.
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip check
	touch $@

execute: venv
	$(PY) tools/execute.py

# Debian packages the build uses: Graphviz draws the prerequisite map (Hangul widths from
# fonts-nanum), Chromium prints the handouts and runs the browser tests.
debs:
	command -v dot >/dev/null && fc-list | grep -qi nanum && command -v chromium >/dev/null || { \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends graphviz fonts-nanum chromium >/dev/null; }

html: execute debs
	$(PY) tools/make_figures.py
	$(VENV)/bin/jupyter-book build . --builder html -W -n --keep-going

# Slide decks: a second builder over the same sources and jupyter-cache (nothing re-executes),
# with its own doctrees (_build/deck), since it reads the chapters with other settings.
slides: html
	$(VENV)/bin/jupyter-book build . --path-output _build/deck --builder custom --custom-builder revealjs -W -n --keep-going
	rm -rf _build/html/slides && cp -r _build/deck/_build/revealjs _build/html/slides

# A4 handouts: the built chapter pages printed under the print stylesheet (headless Chromium).
handouts: html
	$(PY) tools/print_handouts.py

book: slides handouts
	@echo "책: _build/html/index.html (발표 자료: _build/html/slides/, 유인물: _build/html/handouts/)"

test: book
	$(PY) -m pytest -n 2

sync: venv
	$(PY) tools/sync.py

# Every chapter as a standalone notebook in a fresh kernel (as on Colab), twice: time and determinism.
bench: venv
	$(PY) tools/run_chapter.py --all --repeat 2

# Chapters are code too: their code cells exported to .py beside mlbook/, then the duplicate finder.
dupes: venv
	@out=$$(mktemp -d) && $(PY) tools/export_code.py $$out && duplicates --repo $$out --min-lines 5 --most 40; rm -rf $$out

clean:
	rm -rf _build
