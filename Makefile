VENV ?= .venv
PY := $(VENV)/bin/python
TANYA := $(VENV)/bin/tanya
DEMO_DIR ?= data/demo

.PHONY: install demo test bench eval clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

demo: install
	$(TANYA) --data-dir $(DEMO_DIR) ingest data/samples
	$(TANYA) --data-dir $(DEMO_DIR) ask "siapa yang mendampingi Putin?"
	@echo
	$(TANYA) --data-dir $(DEMO_DIR) ask "who accompanied Putin?"

test: install
	$(PY) -m pytest -q -n auto

eval: install
	$(TANYA) eval ../shared/eval

bench: install
	$(TANYA) bench

clean:
	rm -rf $(DEMO_DIR) .pytest_cache
