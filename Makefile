# make run   — set everything up and open the app on a ready demo store
# make test  — set everything up, lint, type-check, layer contracts, then the whole suite
# make check — the same checks and only the fast tests (no PostgreSQL, processes, browser, screens or slow ones)
# make lock  — re-resolve requirements/lock.txt after a change to the dependencies in pyproject.toml
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
DEMO   ?= demo-data
LOCK    = requirements/lock.txt
FAST    = not slow and not pg and not process and not browser and not ui
# -n auto when pytest-xdist is installed (evaluated when a recipe runs, after the venv exists)
XDIST   = $(shell $(PY) -c 'import xdist' 2>/dev/null && echo '-n auto')
UV     ?= $(or $(shell command -v uv 2>/dev/null),$(VENV)/bin/uv)
LOCK_ARGS = pyproject.toml --extra server --extra test --generate-hashes --universal --python-version 3.11 -o $(LOCK)

.PHONY: run test check lint bytecode demo bench clean lock lock-upgrade

# The venv installs exactly the locked, hashed versions; the project itself without resolving anything.
$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --no-deps -e .
	touch $@

run: bytecode
	$(VENV)/bin/counter demo --if-missing --data-dir $(DEMO)
	$(VENV)/bin/counter run --data-dir $(DEMO)

demo: $(VENV)/.installed
	$(VENV)/bin/counter demo --data-dir $(DEMO)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check counter tests bench
	$(PY) .ci/typecheck
	$(VENV)/bin/lint-imports

# check: the property tests on a fifth of their examples, derandomized (HYPOTHESIS_PROFILE=check, tests/conftest.py)
check: lint bytecode
	HYPOTHESIS_PROFILE=check $(PY) -m pytest -m "$(FAST)" $(XDIST)

# The project's modules compiled once before a run: where PYTHONDONTWRITEBYTECODE is set (as on our CI
# machines) every test process would otherwise compile all of counter/ again (make check: 67 s -> 59 s)
bytecode: $(VENV)/.installed
	$(PY) -m compileall -q counter tests bench >/dev/null

# worksteal: an idle worker takes tests from the other's queue (the slow files are queued first, tests/conftest.py).
# Two workers a core: the whole suite waits a third of its time on servers, browsers and subprocesses (on the
# 2-core machine: 2 workers 7 min 29 s, 3 workers 6 min 40 s, 4 workers 5 min 43 s); the fast tests do not wait.
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))
test: lint bytecode
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=30

# Keeps every pin that still fits pyproject.toml; `make lock-upgrade` moves everything to the newest versions.
lock:
	@test -x "$(UV)" || { echo "uv is needed: $(PYTHON) -m pip install uv (or make $(VENV)/.installed && $(PY) -m pip install uv)"; exit 1; }
	$(UV) pip compile -q $(LOCK_ARGS)

lock-upgrade:
	@test -x "$(UV)" || { echo "uv is needed: $(PYTHON) -m pip install uv"; exit 1; }
	$(UV) pip compile -q --upgrade $(LOCK_ARGS)

BENCH_RUN ?= $(shell date -u +%Y%m%dT%H%M%S)
export BENCH_RUN := $(BENCH_RUN)
# Every bench appends its figures to bench/results/$(BENCH_RUN).jsonl; compare.py prints the targets' table.
bench: bytecode
	$(PY) bench/lookup.py
	$(PY) bench/receipt.py
	$(PY) bench/progress.py
	$(PY) bench/queue.py
	$(PY) bench/scan.py
	$(PY) bench/startup.py
	$(PY) bench/ui_stall.py
	$(PY) bench/sync_track.py
	$(PY) bench/sync.py
	$(PY) bench/compare.py --runs 1

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .hypothesis .mypy_cache .ruff_cache
