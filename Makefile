# `make run` starts the product on its embedded defaults; `make test` runs every test.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test test-python test-node install chromium bench lint lint-python clean

run: $(INSTALLED)
	$(PY) -m miniapp_backend.devrun

test: $(INSTALLED) chromium
	@mkdir -p build
	@status=0; \
	$(MAKE) --no-print-directory lint-python || status=1; \
	$(PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	$(MAKE) --no-print-directory test-node || status=$$((status ? status : 1)); \
	exit $$status

test-python: $(INSTALLED)
	$(PY) -m pytest $(PYTEST_ARGS)

# The mini-program's logic runs under node's own test runner (its contract test reads build/openapi.json).
test-node:
	@if [ -d miniprogram/test ]; then node --test miniprogram/test/; \
	else echo 'miniprogram/test does not exist yet: no mini-program tests to run'; fi

bench: $(INSTALLED)
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench

install: $(INSTALLED)

$(INSTALLED): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(INSTALLED)

# The admin page is tested in Debian's Chromium (Playwright drives it; it never downloads a browser).
chromium:
	@test -x /usr/bin/chromium || { \
		echo 'installing Debian chromium for the browser tests'; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: lint-python

# Ruff's rules, line lengths (CJK-aware) and import order are in pyproject.toml.
lint-python: $(INSTALLED)
	$(VENV)/bin/ruff check miniapp_backend schemas workers tests bench

clean:
	rm -rf build .pytest_cache
