# Every target builds the virtual environment it needs first, with PYTHON3 once it
# is known to be recent enough.
PYTHON3 ?= python3
PYTHON_NEEDED := 3.11
# X.Y.Z, or nothing when PYTHON3 cannot be run.
PYTHON_VERSION := $(shell $(PYTHON3) -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)
# Names the interpreter that made a venv: under another one (an upgrade, another
# PYTHON3) the stamp is missing and the venv is made again whole, not patched.
PYTHON_STAMP := .python-$(PYTHON_VERSION)
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready
# The template checkers live apart: aws-sam-translator pins pydantic (requirements-cfn.txt).
CFN_VENV := .venv-cfn
CFN_READY := $(CFN_VENV)/.ready

.PHONY: run test unit e2e lint format bench openapi fuzz load package rotate-secret screenshot clean python-version

# Before any venv is touched: an older interpreter would fail deep inside pip
# ("No matching distribution found for joserfc") and leave a venv behind.
python-version:
	@if [ -z "$(PYTHON_VERSION)" ]; then \
		echo "make: cannot run PYTHON3=$(PYTHON3); cognito-auth-api needs Python $(PYTHON_NEEDED) or newer" >&2; \
		exit 1; \
	fi
	@printf '%s\n' $(PYTHON_NEEDED) $(PYTHON_VERSION) | sort -V -C || { \
		echo "make: PYTHON3=$(PYTHON3) is Python $(PYTHON_VERSION); cognito-auth-api needs Python $(PYTHON_NEEDED) or newer: install it, or run make PYTHON3=<a python$(PYTHON_NEEDED) or newer>" >&2; \
		exit 1; \
	}

$(VENV)/$(PYTHON_STAMP) $(CFN_VENV)/$(PYTHON_STAMP): %/$(PYTHON_STAMP): | python-version
	rm -rf $*
	$(PYTHON3) -m venv $*
	touch $@

$(READY): requirements.txt requirements-dev.txt client/pyproject.toml $(VENV)/$(PYTHON_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(CFN_READY): requirements-cfn.txt $(CFN_VENV)/$(PYTHON_STAMP)
	$(CFN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-cfn.txt
	touch $@

## make run: the service on 127.0.0.1:$$PORT (8000) over moto on $$COGNITO_PORT (9229),
## and the browser page on 127.0.0.1:$$WEB_PORT (3000)
run: $(READY)
	$(PY) -m devstack

# The in-process tests run on every core (pytest-xdist; each worker its own process,
# services and temporary directories). The end-to-end tests start real processes and
# share one local stack: one at a time.
WORKERS ?= auto
UNIT := $(PY) -m pytest tests/unit -n $(WORKERS)

## make test: lint, type checks, unit and end-to-end tests
test: lint $(CFN_READY)
	$(UNIT)
	$(PY) -m pytest tests/e2e

unit: $(READY)
	$(UNIT)

e2e: $(READY) $(CFN_READY)
	$(PY) -m pytest tests/e2e

lint: $(READY)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

## make bench: token verification and import costs, as ratios to in-run baselines
bench: $(READY)
	$(PY) -m bench

## make openapi: write openapi.json (a test fails when it is stale)
openapi: $(READY)
	$(PY) -m devstack.openapi

## make fuzz: a long schemathesis run against a fresh local stack
fuzz: $(READY)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} $(PY) -m pytest tests/e2e/test_fuzz.py

## make load: concurrent clients against a fresh local stack; prints p50/p95
load: $(READY)
	$(PY) -m devstack.load

## make package [STAGE=prod|dev] [ARCH=x86_64|arm64]: the AWS stack (SAM template + zip) in build/$$STAGE, linted
STAGE ?= prod
ARCH ?= x86_64
package: $(READY) $(CFN_READY)
	$(PY) -m deploy.package $(STAGE) --arch $(ARCH)
	$(CFN_VENV)/bin/cfn-lint build/$(STAGE)/sam.json

## make rotate-secret STACK=<stack name> [MAX_AGE=<the function's CLIENT_SECRET_MAX_AGE>]:
## a new app client secret on a deployed stack, with no request lost (real AWS account)
rotate-secret: $(READY)
	$(if $(STACK),,$(error STACK=<stack name> is required))
	$(PY) -m deploy.rotate_secret --stack $(STACK) $(if $(MAX_AGE),--max-age $(MAX_AGE))

## make screenshot: the browser test, saving its screenshot of the page as docs/page.png
screenshot: $(READY)
	WEB_SCREENSHOT=docs/page.png $(PY) -m pytest tests/e2e/test_browser.py

format: $(READY)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) $(CFN_VENV) .local build .pytest_cache .mypy_cache .ruff_cache
