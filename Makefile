# The entry points: `make image` (the appliance image), `make install` (the control plane) and
# `make test` (every tier that can run here). Each installs what it needs itself on Debian 12.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

# `make image` takes FreeSWITCH from FREESWITCH_DEBS, SIGNALWIRE_TOKEN or FREESWITCH_PREFIX (in
# that order) and builds without it, loudly, when none is set. The image tiers also use the
# prefix the FreeSWITCH tier uses (CC_FREESWITCH_PREFIX, then /opt/freeswitch) when there is one.
TEST_FREESWITCH_PREFIX := $(or $(FREESWITCH_PREFIX),$(firstword $(foreach p,$(CC_FREESWITCH_PREFIX) /opt/freeswitch,$(if $(wildcard $(p)/bin/freeswitch),$(p)))))

.PHONY: image image-deps install system-deps test-deps vendor-js lint test test-fast test-image bench bench-image render-example clean

image: install image-deps
	./image/build

image-deps:
	@./scripts/image-deps build

# What the control plane needs, nothing more (PostgreSQL, sipp, baresip are test needs).
install: system-deps $(VENV)/.installed vendor-js
	@echo "ccctl installed: $(BIN)/ccctl (try: $(BIN)/ccctl --help)"

system-deps:
	@./scripts/system-deps

test-deps:
	@./scripts/system-deps test

# The agent page's SIP library (SIP.js, pinned), fetched with npm into the package.
vendor-js: ccctl/web/static/vendor/sip.js/VERSION
ccctl/web/static/vendor/sip.js/VERSION: scripts/vendor-js
	./scripts/vendor-js

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	PYTHONWARNINGS=ignore $(BIN)/pip install -q -e '.[test]'
	touch $@

# Lint first (seconds): ruff's rules and format, and the layers' import contracts (pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The FreeSWITCH tier first, in a network namespace with only loopback; then everything else,
# with the image building beside the unit, database and console tiers (its log printed after
# them); then the image tiers.
test: install test-deps $(VENV)/.installed-test lint
	./scripts/in-netns $(BIN)/python -m pytest tests/freeswitch tests/fleet $(PYTEST_ARGS) || [ $$? -eq 5 ]
	@./scripts/image-deps test
	@[ -n "$(FREESWITCH_DEBS)$(SIGNALWIRE_TOKEN)$(TEST_FREESWITCH_PREFIX)" ] || echo "image tiers: no FreeSWITCH source and no /opt/freeswitch: the image is built and tested WITHOUT the engine"
	./scripts/beside build/image-build.log env FREESWITCH_PREFIX="$(TEST_FREESWITCH_PREFIX)" ./image/build -- \
		$(BIN)/python -m pytest --ignore=tests/freeswitch --ignore=tests/fleet --ignore=tests/image $(PYTEST_ARGS)
	./scripts/in-netns $(BIN)/python -m pytest tests/image $(PYTEST_ARGS)

# The image tiers: build the image (the bootstrap is cached in build/cache), then check the root
# filesystem, boot it under qemu (twice), provision it with the fleet playbook, and bring it up
# with Vagrant, all inside a network namespace that has only loopback.
test-image: install $(VENV)/.installed-test
	@./scripts/image-deps test
	@[ -n "$(FREESWITCH_DEBS)$(SIGNALWIRE_TOKEN)$(TEST_FREESWITCH_PREFIX)" ] || echo "image tiers: no FreeSWITCH source and no /opt/freeswitch: the image is built and tested WITHOUT the engine"
	FREESWITCH_PREFIX="$(TEST_FREESWITCH_PREFIX)" ./image/build
	./scripts/in-netns $(BIN)/python -m pytest tests/image $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python bench/render.py
	$(BIN)/python bench/cli.py

# Image figures: cold and warm build, sizes, boot-to-SSH and boot-to-ready under emulation.
bench-image: install image-deps
	./scripts/image-deps test
	$(BIN)/python bench/image.py

render-example: $(VENV)/.installed
	CCCTL_DB=$$(mktemp -d)/ccctl.db sh -c '$(BIN)/ccctl apply -f examples/site.yaml >/dev/null && $(BIN)/ccctl render --out out/example --force'

clean:
	rm -rf $(VENV) out .pytest_cache build
