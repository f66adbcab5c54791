# Two commands for a fresh machine: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint clean lock

# Exact versions with their hashes (requirements-test.lock: the bot, its tests and the build
# tools; deploy/Dockerfile uses requirements.lock), then the project itself, built with the
# pinned setuptools and nothing else downloaded.
$(STAMP): pyproject.toml requirements-test.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-test.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

# Tests spread over worker processes (pytest-xdist): most of the suite's time is spent waiting
# on other processes (the bot, PostgreSQL, fake servers), so more workers than cores help.
# Tests go out two at a time (--maxschedchunk), the longest first (tests/conftest.py), so no
# worker is left with a queue of long ones. The ten slowest tests are printed at the end.
# Property tests run a few dozen examples each; HYPOTHESIS_PROFILE=ci (as .ci/run sets) runs 400.
TEST_WORKERS ?= 4
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --maxschedchunk=2 --durations=10 $(PYTEST_ARGS)

# The lint gate: ruff's rules and its formatting over everything written here (bot/ handlers/
# storage/ content/ tests/ bench/), then mypy on the four packages that ship (strict Optional
# everywhere). All come from the locked test requirements and read their settings from
# pyproject.toml; tests/unit/test_lint_gate.py runs the ruff part inside the suite too.
RUFF_PATHS := bot handlers storage content tests bench
TYPED_PATHS := bot handlers storage content
lint: $(STAMP)
	$(VENV)/bin/ruff check $(RUFF_PATHS)
	$(VENV)/bin/ruff format --check $(RUFF_PATHS)
	$(VENV)/bin/mypy $(TYPED_PATHS)

# After changing the dependencies in pyproject.toml: new locks (needs the network).
LOCK := $(VENV)/bin/uv pip compile pyproject.toml requirements-build.in --universal --python-version 3.11 \
	--generate-hashes --quiet
lock: $(STAMP)
	$(PY) -m pip install --quiet uv
	$(LOCK) -o requirements.lock
	$(LOCK) --extra test -c requirements.lock -o requirements-test.lock

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
