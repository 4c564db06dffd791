# make render STACK=<stack> | make test | make bench | make lint | make diff BASE=origin/main | make lab STACK=<stack>
# make verify-charts STACK=<stack> (needs helm, kubeconform and the chart repositories)
STACK ?= local
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: render render-all test lint format bench diff docs lab check-tools verify-charts clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

render: $(STAMP)
	$(PY) -m tools.render --stack $(STACK)

render-all: $(STAMP)
	@for f in Pulumi.*.yaml; do s=$${f#Pulumi.}; s=$${s%.yaml}; $(PY) -m tools.render --stack $$s --quiet || exit 1; echo "rendered build/$$s"; done

# Installs promtool, amtool, prometheus and alertmanager when missing and the machine can (Debian/Ubuntu as root
# or with sudo); otherwise prints the one command to run (scripts/ensure_tools.py).
check-tools: $(STAMP)
	@$(PY) -m scripts.ensure_tools

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

# Pulls each pinned chart, templates it with build/$(STACK)/helm/*.values.yaml, validates with kubeconform and checks
# Secret/ConfigMap/ServiceAccount references (scripts/verify_charts.py; needs helm, kubeconform, chart repositories).
verify-charts: render
	$(PY) -m scripts.verify_charts --stack $(STACK)

SCENARIO ?= healthy
lab: $(STAMP) check-tools
	$(PY) -m lab --stack $(STACK) --scenario $(SCENARIO)

clean:
	rm -rf build
