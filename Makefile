# The two entry points: `make install` (the control plane) and `make test` (every tier that
# can run here). Both install what they need themselves on Debian 12.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: install system-deps test-deps test test-fast bench render-example clean

# What the control plane needs, nothing more (PostgreSQL, sipp, baresip are test needs).
install: system-deps $(VENV)/.installed
	@echo "ccctl installed: $(BIN)/ccctl (try: $(BIN)/ccctl --help)"

system-deps:
	@./scripts/system-deps

test-deps:
	@./scripts/system-deps test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	PYTHONWARNINGS=ignore $(BIN)/pip install -q -e '.[test]'
	touch $@

# The FreeSWITCH tier first, in a network namespace with only loopback; then everything else.
test: install test-deps $(VENV)/.installed-test
	./scripts/in-netns $(BIN)/python -m pytest tests/freeswitch $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(BIN)/python -m pytest --ignore=tests/freeswitch $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python bench/render.py
	$(BIN)/python bench/cli.py

render-example: $(VENV)/.installed
	CCCTL_DB=$$(mktemp -d)/ccctl.db sh -c '$(BIN)/ccctl apply -f examples/site.yaml >/dev/null && $(BIN)/ccctl render --out out/example --force'

clean:
	rm -rf $(VENV) out .pytest_cache
