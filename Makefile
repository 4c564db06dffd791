# make render STACK=<stack> | make test | make bench | make lint | make diff BASE=origin/main | make lab STACK=<stack>
STACK ?= local
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: render render-all test lint format bench diff docs lab check-tools clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

render: $(STAMP)
	$(PY) -m tools.render --stack $(STACK)

render-all: $(STAMP)
	@for f in Pulumi.*.yaml; do s=$${f#Pulumi.}; s=$${s%.yaml}; $(PY) -m tools.render --stack $$s --quiet || exit 1; echo "rendered build/$$s"; done

check-tools:
	@command -v promtool >/dev/null || { echo "promtool not found: run sudo scripts/install-prometheus-tools.sh (Debian) or install Prometheus >= 2.53"; exit 1; }
	@command -v amtool >/dev/null || { echo "amtool not found: run sudo scripts/install-prometheus-tools.sh (Debian) or install Alertmanager >= 0.28"; exit 1; }
	@test -x /usr/bin/prometheus -a -x /usr/bin/prometheus-alertmanager || { echo "the alert lab needs /usr/bin/prometheus and /usr/bin/prometheus-alertmanager: run sudo scripts/install-prometheus-tools.sh"; exit 1; }

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: $(STAMP) check-tools lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m tools.bench

BASE ?= origin/main
diff: $(STAMP)
	$(PY) -m tools.render_diff --base $(BASE)

docs: $(STAMP)
	$(PY) -m tools.config_reference

SCENARIO ?= healthy
lab: $(STAMP) check-tools
	$(PY) -m lab --stack $(STACK) --scenario $(SCENARIO)

clean:
	rm -rf build
