# make run  — set everything up and open the app on a ready demo store
# make test — set everything up and run the whole suite (layer contracts included), on every core
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
DEMO   ?= demo-data

.PHONY: run test demo bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/counter demo --if-missing --data-dir $(DEMO)
	$(VENV)/bin/counter run --data-dir $(DEMO)

demo: $(VENV)/.installed
	$(VENV)/bin/counter demo --data-dir $(DEMO)

test: $(VENV)/.installed
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n auto --dist loadfile --durations=30

bench: $(VENV)/.installed
	$(PY) bench/lookup.py
	$(PY) bench/receipt.py
	$(PY) bench/progress.py
	$(PY) bench/queue.py
	$(PY) bench/scan.py
	$(PY) bench/sync_track.py
	$(PY) bench/sync.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .hypothesis
