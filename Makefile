# The two entry points: `make install` (the control plane) and `make test` (every tier that
# can run here). Both install what they need themselves on Debian 12.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: install system-deps test test-fast bench render-example clean

install: system-deps $(VENV)/.installed
	@echo "ccctl installed: $(BIN)/ccctl (try: $(BIN)/ccctl --help)"

system-deps:
	@./scripts/system-deps

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The FreeSWITCH tier first, in a network namespace with only loopback; then everything else.
test: install
	./scripts/in-netns $(BIN)/python -m pytest tests/freeswitch $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(BIN)/python -m pytest --ignore=tests/freeswitch $(PYTEST_ARGS)

test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python bench/render.py

render-example: $(VENV)/.installed
	CCCTL_DB=$$(mktemp -d)/ccctl.db sh -c '$(BIN)/ccctl apply -f examples/site.yaml >/dev/null && $(BIN)/ccctl render --out out/example --force'

clean:
	rm -rf $(VENV) out .pytest_cache
