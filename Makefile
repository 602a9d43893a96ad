# hybridcloud.rolesanywhere — developer entry points. Every target bootstraps .venv itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COLLECTION_LINK := build/ansible_collections/hybridcloud/rolesanywhere
PORT ?= 4566
PYTEST_WORKERS ?= 2

export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/build
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: system-deps help setup link official-helper core-venvs test sanity sanity-cores lint units integration molecule docs demo localaws benchmarks changelog build clean credential-program format

help:
	@echo "make demo         onboard three local hosts against the embedded AWS stand-in"
	@echo "make test         every test layer: sanity, sanity-cores, lint, units, integration, molecule, docs"
	@echo "make setup        create .venv with the pinned requirements (idempotent)"
	@echo "make sanity|sanity-cores|lint|units|integration|molecule|docs   one layer"
	@echo "make localaws     run the local AWS stand-in in the foreground (PORT=$(PORT); TLS=1 for HTTPS)"
	@echo "make official-helper   build the official credential helper (pinned in scripts/official_helper.pin) into build/"
	@echo "make core-venvs   one virtualenv per other ansible-core release the collection claims (compat tests, sanity-cores)"
	@echo "make benchmarks   run the benchmarks and write benchmarks/results.md"
	@echo "make build        build the collection tarball into dist/"
	@echo "make credential-program   regenerate the pinned credential-process program from plugins/module_utils"
	@echo "make format       format the Python code and sort its imports (make lint checks both)"

# The stamp is newer than both requirements files and the stand-in's project file once they are installed, so a second
# run is a no-op. The stand-in (localaws/) is installed editable: its console script, `python -m localaws` and its
# pytest fixtures then follow the checkout without a reinstall.
$(STAMP): requirements.txt requirements-test.txt localaws/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	$(BIN)/python -m pip install --quiet -e ./localaws
	touch $(STAMP)

# ansible finds the collection as hybridcloud.rolesanywhere through this link, without moving the checkout.
$(COLLECTION_LINK):
	mkdir -p $(dir $(COLLECTION_LINK))
	ln -sfn ../../.. $(COLLECTION_LINK)

link: $(COLLECTION_LINK)

setup: $(STAMP) link

# Built from the Go module proxy; without `go` the tests that run it are skipped (and fail in CI, see .ci/run).
official-helper:
	scripts/build_official_helper.sh

# The program hosts run, built from plugins/module_utils and committed with its SHA-256 pinned in the role.
credential-program: setup
	$(BIN)/python scripts/build_credential_program.py

# One virtualenv per other ansible-core release the collection claims (tests/integration/compat/ansible-core-versions.txt).
core-venvs: setup
	PYTHON=$(PYTHON) scripts/make_core_venvs.sh

test: setup
	scripts/build_official_helper.sh --if-go
	scripts/build_step_ca.sh --if-go
	PYTHON=$(PYTHON) scripts/make_core_venvs.sh
	scripts/run_tests.sh

sanity: setup
	scripts/ansible_test_offline.sh sanity --venv --requirements --python 3.11 --color no

# ansible-test sanity with each other ansible-core release the collection claims (make core-venvs builds them).
sanity-cores: setup
	scripts/sanity_each_core.sh

lint: setup
	$(BIN)/ansible-lint --offline --profile production
	$(BIN)/ruff format --check --diff
	$(BIN)/ruff check
	$(BIN)/antsibull-changelog lint

# The Python formatter and import sorter (configured in pyproject.toml); `make lint` checks what this writes.
format: setup
	$(BIN)/ruff check --fix
	$(BIN)/ruff format

units: setup
	$(BIN)/pytest tests/unit

# The stand-in's own tests (localaws/tests) run in this layer's pytest session, on the same workers.
integration: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests/integration localaws/tests

molecule: setup
	scripts/run_molecule.sh

docs: setup
	scripts/check_docs.sh

demo: setup
	scripts/demo.sh

localaws: setup
	$(BIN)/localaws --port $(PORT) $(if $(filter 1,$(TLS)),--tls --tls-dir $(CURDIR)/build/localaws-tls)

benchmarks: setup
	$(BIN)/python benchmarks/run.py

changelog: setup
	$(BIN)/antsibull-changelog release

build: setup
	mkdir -p dist
	$(BIN)/ansible-galaxy collection build --force --output-path dist .

# An interrupted Molecule fleet run can leave /proc and /dev bind-mounted under build/: refuse rather than recurse
# into them (`scripts/molecule.sh destroy -s fleet` unmounts them).
clean:
	@if grep -q " $(CURDIR)/build/" /proc/self/mountinfo 2>/dev/null; then \
		echo "something is still mounted under build/; run: scripts/molecule.sh destroy -s fleet"; exit 1; fi
	rm -rf --one-file-system build dist tests/output .pytest_cache

# Optional system tools (root, Debian/Ubuntu): shellcheck for ansible-test sanity, openssl for the host fallback path,
# tinyproxy for the tests that go through a real HTTP CONNECT proxy, chromium for the test that opens the fleet report.
system-deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make system-deps needs root"; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck openssl tinyproxy chromium > /dev/null
