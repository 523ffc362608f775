# The two commands of the README: `make demo` and `make test`.
# Both create .venv when it is missing and install the project into it
# with the pinned versions of constraints.txt.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test stress bench lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/vitosms demo

test: lint
	@# pytest exits 5 when it collected nothing: make that a failure.
	$(PY) -m pytest -q -n 2 -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo 'pytest ran no tests' >&2; exit 1; fi; exit $$rc

# the layers' contracts, then style (ruff: pycodestyle, pyflakes, isort, bugbear, pyupgrade, format),
# then the types of core and delivery (mypy --strict; which files and flags: pyproject.toml)
lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check vitosms_tui tests tools
	$(VENV)/bin/ruff format --check vitosms_tui tests tools
	$(VENV)/bin/mypy

# STRESS_DB=postgresql://… runs it on an empty PostgreSQL database instead of a SQLite file;
# STRESS_SMPP=1 sends the SMS over SMPP to `vitosms smsc` instead of the in-process mock gateway
stress: $(STAMP)
	$(PY) -m tests.stress $(if $(STRESS_DB),--db $(STRESS_DB)) $(if $(STRESS_SMPP),--smpp)

# builds the large practice once under .bench/, then prints one table of figures and goals
bench: $(STAMP)
	$(PY) -m tests.bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
