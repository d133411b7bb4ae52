# LiveDeck — two commands do all the set-up on a fresh machine:
#   make run    open the console on the embedded demo room
#   make test   install everything the tests need (venv, Qt/CJK system libraries) and run them offscreen
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast bench bench-deps bench-ingest soak lint system-deps clean shots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0) if v >= (3, 11) else sys.exit("LiveDeck needs Python >= 3.11, but $(PYTHON) is %d.%d. Install a newer Python or run: make PYTHON=python3.12 ..." % v[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

system-deps:
	@packaging/linux-system-deps.sh

run: $(STAMP)
	@packaging/linux-system-deps.sh --gui
	@if [ "$$(uname -s)" = "Linux" ] && [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ] && [ -z "$${QT_QPA_PLATFORM:-}" ]; then \
	  echo "No display: run 'make run' on a desktop session, or under a virtual one: xvfb-run -a make run"; exit 1; fi
	$(BIN)/livedeck

test: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests -m "not bench and not soak"

lint: $(STAMP)
	$(BIN)/ruff check app ui tests
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

bench-deps: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m pip install --quiet --no-deps 'blivedm==0.1.1'

bench: $(STAMP) system-deps bench-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.bench

bench-ingest: $(STAMP) bench-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.bench ingest

soak: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests -m soak --timeout=3600 -s

shots: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots shots

clean:
	rm -rf $(VENV) build *.egg-info
