# How Neural Networks Work: build, test and explore the course.
# Every target creates the virtual environment first if it is missing.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: help venv book test unit nbval build-book browser lab serve execute bench clean

help:
	@echo "make book     build the HTML book (creates .venv if missing)"
	@echo "make test     run every test: nnlib unit tests, notebooks (nbval), strict book build, browser tests"
	@echo "make lab      open the notebooks in JupyterLab with live widgets"
	@echo "make serve    serve the built book on http://$(HOST):$(PORT)"
	@echo "make execute  re-run every notebook in place to refresh its stored outputs"
	@echo "make bench    run the speed benchmark (nnlib vs numpy, scikit-learn, PyTorch if present)"

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip check
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build --all .
	@echo
	@echo "The book is built. Open _build/html/index.html in a browser, or run 'make serve'."

build-book: $(STAMP)
	$(BIN)/jupyter-book build --all -W -n --keep-going .

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval notebooks --sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q

test: unit nbval build-book

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=$(HOST) notebooks

serve:
	@test -f _build/html/index.html || $(MAKE) book
	@echo "Serving the book on http://$(HOST):$(PORT) (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory _build/html

execute: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build .pytest_cache
