# Parlons — the two commands of the README, self-sufficient on a fresh Debian
# machine as root: they install what is missing, then run.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SYSTEM_TOOLS := prosody gpg tmux openssl profanity

.PHONY: demo test bench bench-e2e system-deps venv clean

demo: system-deps $(STAMP)
	$(PY) -m demo

# The linter and the type checker first (configured in pyproject.toml): a
# finding fails the target before the suite starts.
test: system-deps $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest $(PYTEST_ARGS)

# The hostile-input property suite, longer: the same tests as in `make test`
# with more random batches (and shrinking), FUZZ_EXAMPLES of them.
FUZZ_EXAMPLES ?= 1000
.PHONY: fuzz
fuzz: system-deps $(STAMP)
	PARLONS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -p no:cacheprovider -o timeout=3600 tests/hostile/test_fuzz.py $(PYTEST_ARGS)

# Benchmarks print the figures the issues ask for (see bench/README.md).
bench: $(STAMP)
	$(PY) bench/bench_message_log.py
	$(PY) bench/bench_follow.py
	$(PY) bench/bench_search.py
	$(PY) bench/bench_models.py
	PYTHONPATH=$(CURDIR) $(PY) bench/bench_catch_up.py
	$(MAKE) bench-e2e

# End to end (issue 14): Parlons under tmux against a bare slixmpp floor, each
# workload on a Prosody of its own; e.g. make bench-e2e E2E_ARGS="--only W2 --runs 5".
# Results: bench/results/<timestamp>.json (not committed).
E2E_ARGS ?=
bench-e2e: system-deps $(STAMP)
	PYTHONPATH=$(CURDIR) $(PY) -m bench.e2e $(E2E_ARGS)

venv: $(STAMP)

# Debian packages: only when something is missing (apt is slow and needs root).
# policy-rc.d keeps apt from starting the system-wide Prosody: the tests and
# the demo run their own throwaway servers, and nothing else should be left
# listening.
system-deps:
	@missing=""; \
	for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	$(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1 || missing="$$missing venv"; \
	if [ -n "$$missing" ]; then \
		echo "Installing missing system packages:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		guard=""; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1; \
		fi; \
		apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends prosody gnupg tmux openssl profanity ca-certificates python3-venv >/dev/null; \
		status=$$?; \
		[ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; \
		exit $$status; \
	fi

# The venv is rebuilt when the project's dependencies change.
# python-potr declares pycrypto, which does not build: it is installed
# without its dependencies, next to pycryptodome (a declared dependency).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps 'python-potr==1.0.2'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .state build *.egg-info .mypy_cache .ruff_cache
