# How Neural Networks Work: build, test and explore the course.
# Every target creates the virtual environment first if it is missing.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: help venv assets chromium book test unit nbval nbval-here nbval-older-cpu build-book browser lab serve execute bench clean

help:
	@echo "make book     build the HTML book (creates .venv if missing)"
	@echo "make test     run every test: nnlib unit tests, notebooks (nbval), strict book build, browser tests"
	@echo "make lab      open the notebooks in JupyterLab with live widgets"
	@echo "make serve    serve the built book on http://$(HOST):$(PORT)"
	@echo "make execute  re-run every notebook in place to refresh its stored outputs"
	@echo "make bench    run the speed benchmarks (MLP, CNN, LSTM, transformer: nnlib vs numpy, PyTorch if present)"

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip check
	touch $(STAMP)

venv: $(STAMP)

# Offline book: pinned require.js, the ipywidgets HTML manager and MathJax 3 from the npm registry
assets: $(STAMP)
	@command -v npm >/dev/null 2>&1 || { echo "error: npm not found (Debian: apt-get install -y npm)"; exit 1; }
	$(BIN)/python scripts/fetch_assets.py

# Browser tests drive Debian's chromium (never a browser downloaded by a test tool)
chromium:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

book: $(STAMP) assets
	$(BIN)/jupyter-book build --all .
	@echo
	@echo "The book is built. Open _build/html/index.html in a browser, or run 'make serve'."

build-book: $(STAMP) assets
	$(BIN)/jupyter-book build --all -W -n --keep-going .

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q --ignore=tests/browser -p no:cacheprovider

# Stored outputs must not depend on the CPU: the notebooks run twice, once as this machine
# computes, once as an older x86-64 CPU would: OpenBLAS's Prescott kernel for matrix products and
# numpy's own loops without their AVX-512 versions. Their last digits differ.
NBVAL := $(BIN)/python -m pytest --nbval notebooks --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q
NBVAL_KERNEL ?= Prescott
NBVAL_NUMPY_OFF ?= X86_V4 AVX512_ICL AVX512_SPR

# The two runs go side by side (one BLAS thread each), each printing its report when done.
nbval: $(STAMP)
	@$(MAKE) --no-print-directory -j2 --output-sync=target nbval-here nbval-older-cpu

nbval-here: $(STAMP)
	@echo "nbval as this machine computes"
	OPENBLAS_NUM_THREADS=1 $(NBVAL)

nbval-older-cpu: $(STAMP)
	@if [ "$$(uname -m)" = x86_64 ]; then \
	  echo "nbval as an older CPU computes: OPENBLAS_CORETYPE=$(NBVAL_KERNEL), numpy without $(NBVAL_NUMPY_OFF)"; \
	  OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=$(NBVAL_KERNEL) NPY_DISABLE_CPU_FEATURES="$(NBVAL_NUMPY_OFF)" $(NBVAL); fi

browser: $(STAMP) chromium
	@test -f _build/html/index.html || $(MAKE) build-book
	$(BIN)/python -m pytest tests/browser -q -p no:cacheprovider

test: unit nbval build-book browser

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=$(HOST) notebooks

serve:
	@test -f _build/html/index.html || $(MAKE) book
	@echo "Serving the book on http://$(HOST):$(PORT) (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory _build/html

execute: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py notebooks

# Speed: the MLP (run.py), then the CNN, LSTM and transformer of chapters 12-14, each nnlib against
# hand-written numpy (and PyTorch when installed); exits 1 if any target fails
BENCHMARKS := run.py bench_cnn.py bench_lstm.py bench_transformer.py

bench: $(STAMP)
	@status=0; for b in $(BENCHMARKS); do \
	  echo "== benchmarks/$$b"; $(BIN)/python benchmarks/$$b || status=1; echo; done; \
	  exit $$status

clean:
	rm -rf _build .pytest_cache test-artifacts
