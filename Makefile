# Two commands do everything on a fresh machine with only Python 3.11:
#   make verify   set up, then run the quick verification suite -> report/ (JSON, Markdown, HTML, figures)
#   make test     set up, then lint (ruff) and run the tests
# Set-up: a virtual environment (.venv, or the active $VIRTUAL_ENV) that can see the system's
# packages, so an existing torch (e.g. a CUDA build) is kept; torch==2.13.0 is installed only when
# no torch is importable (never an unpinned torch, which would pull GBs of CUDA packages).
PYTHON ?= python3
VENV ?= $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),.venv)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.theorycheck-installed
PROFILE ?= quick
SEED ?= 0

.PHONY: setup verify test bench clean

$(PY):
	$(PYTHON) -m venv --system-site-packages $(VENV)

$(STAMP): pyproject.toml | $(PY)
	@if $(PY) -c "import torch" 2>/dev/null; then \
		echo "torch $$($(PY) -c 'import torch; print(torch.__version__)') already importable: kept"; \
	else \
		$(PY) -m pip install "torch==2.13.0"; \
	fi
	$(PY) -m pip install -e ".[test]"
	@touch $@

setup: $(STAMP)

verify: setup
	$(PY) -m theorycheck verify --profile $(PROFILE) --seed $(SEED) --report report

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest

bench: setup
	$(PY) bench/bench_cli.py
	$(PY) bench/bench_ensemble.py
	$(PY) bench/bench_icl_asymptotics.py
	$(PY) bench/bench_multitask.py
	$(PY) bench/bench_parameter_free.py

clean:
	rm -rf report .pytest_cache .hypothesis
