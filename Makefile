# targon-operator: every entry point a developer or CI needs, from a fresh clone.
#   make test   venv + binaries + lint + the whole test suite
#   make demo   local control plane + simulator + operator, the whole lifecycle
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv bin lint test test-unit test-integration demo sim cluster-up lock clean docs bench image e2e-kind

help:
	@echo "make test | demo | sim | bin | lint | test-unit | test-integration | lock | clean"

$(STAMP): pyproject.toml constraints.txt
	@echo "[make venv] creating $(VENV) with $(PYTHON) and installing pinned packages..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade -c constraints.txt pip setuptools
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

venv: $(STAMP)

bin:
	@tools/build.sh

lint: venv
	$(VENV)/bin/ruff check operator tests benchmarks
	$(VENV)/bin/ruff format --check operator tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: venv bin lint
	$(VENV)/bin/pytest -q -p no:cacheprovider

test-unit: venv
	$(VENV)/bin/pytest -q tests/unit

test-integration: venv bin
	$(VENV)/bin/pytest -q tests/integration

demo: venv bin
	$(VENV)/bin/targon-operator demo $(DEMO_ARGS)

sim: venv
	$(VENV)/bin/targon-operator sim --api-key $${TARGON_API_KEY:-sim-key}

cluster-up: venv bin
	$(VENV)/bin/targon-operator cluster up

lock:
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --no-header --strip-extras --allow-unsafe \
	  --extra test -o constraints.txt pyproject.toml
	printf 'pip==26.3\nsetuptools==84.2.1\n' >> constraints.txt

# Needs Docker and kind (not available on the CI machines): a kind cluster, the image, the
# chart with the in-cluster simulator, and the e2e tests against it.
KIND_CLUSTER ?= targon-e2e
IMAGE ?= targon-operator:e2e

image:
	docker build -t $(IMAGE) .

e2e-kind: venv bin image
	kind get clusters | grep -qx $(KIND_CLUSTER) || kind create cluster --name $(KIND_CLUSTER)
	kind load docker-image $(IMAGE) --name $(KIND_CLUSTER)
	kubectl config use-context kind-$(KIND_CLUSTER)
	bin/helm upgrade --install targon helm/targon-operator --namespace targon-system --create-namespace \
	  --set image.repository=$(firstword $(subst :, ,$(IMAGE))) --set image.tag=$(lastword $(subst :, ,$(IMAGE))) \
	  --set image.pullPolicy=Never --set simulator.enabled=true --wait --timeout 5m
	kubectl config use-context kind-$(KIND_CLUSTER)
	TARGON_E2E=1 $(VENV)/bin/pytest -q tests/e2e

clean:
	rm -rf $(VENV) bin .mypy_cache .ruff_cache build dist

docs: venv
	$(PY) -m targon_operator.reference

# Convergence of 500 resources against the floor, Targon calls, memory with 5,000 resources.
bench: venv bin
	$(PY) -m benchmarks.convergence --resources 500 --memory-resources 5000
