# `make run` starts the product on its embedded defaults; `make test` runs every test.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test test-python test-node install chromium cjk-font bench lint lint-python lint-js screenshots admin-screenshots clean
NODE_DEPS := node_modules/.installed

run: $(INSTALLED)
	$(PY) -m miniapp_backend.devrun

test: $(INSTALLED) $(NODE_DEPS) chromium
	@mkdir -p build
	@status=0; \
	$(MAKE) --no-print-directory lint-python || status=1; \
	$(MAKE) --no-print-directory lint-js || status=1; \
	$(PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	$(MAKE) --no-print-directory test-node || status=$$((status ? status : 1)); \
	exit $$status

test-python: $(INSTALLED) $(NODE_DEPS)
	$(PY) -m pytest $(PYTEST_ARGS)

# The mini-program's logic runs under node's own test runner (its contract test reads build/openapi.json).
# The journeys (real pages against a live backend) run inside pytest: tests/miniprogram/test_journeys.py.
test-node: $(NODE_DEPS)
	node --test miniprogram/test/

# The mini-program's test and lint tools (miniprogram-simulate, jsdom, ESLint), pinned by package-lock.json.
$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_DEPS)

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

# README screenshots of the admin page over the full demo (headless Debian Chromium).
admin-screenshots: $(INSTALLED) chromium
	$(PY) scripts/admin_screenshots.py

lint: lint-python lint-js

# Ruff's rules, line lengths (CJK-aware), import order and formatting are in pyproject.toml.
PYTHON_TREE := miniapp_backend schemas workers tests bench migrations scripts
lint-python: $(INSTALLED)
	$(VENV)/bin/ruff check $(PYTHON_TREE)
	$(VENV)/bin/ruff format --check $(PYTHON_TREE)

lint-js: $(NODE_DEPS)
	npx eslint miniprogram tests/miniprogram miniapp_backend/admin/static eslint.config.js

# Every page in each state a student meets, rendered in headless Chromium at 375x812, into docs/screenshots/.
screenshots: $(INSTALLED) $(NODE_DEPS) chromium cjk-font
	SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/miniprogram/test_journeys.py -q -p no:cacheprovider

cjk-font:
	@fc-list 2>/dev/null | grep -qi 'wenquanyi\|wqy' || { \
		echo 'installing a Chinese font for the screenshots'; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fonts-wqy-microhei >/dev/null; }

clean:
	rm -rf build .pytest_cache
