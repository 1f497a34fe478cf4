# syntax=docker/dockerfile:1
# The operator's image: the built wheel in a venv on a slim, pinned Python base, run as a
# non-root numeric user. `make image` builds it where a Docker engine exists; CI here lints
# it (hadolint) and tests the same install path without Docker (tests/integration/packaging).

FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY constraints.txt pyproject.toml README.md ./
COPY operator ./operator
RUN python -m pip install --constraint constraints.txt build \
 && python -m build --wheel --outdir /dist \
 && python -m venv /opt/targon \
 && /opt/targon/bin/pip install --constraint constraints.txt /dist/*.whl

FROM python:3.11.11-slim-bookworm
LABEL org.opencontainers.image.title="targon-operator" \
      org.opencontainers.image.description="Targon GPU workloads as Kubernetes resources" \
      org.opencontainers.image.source="https://github.com/targon-operator/targon-operator"
COPY --from=build /opt/targon /opt/targon
ENV PATH=/opt/targon/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 65532:65532
EXPOSE 8080 9090
ENTRYPOINT ["targon-operator", "run"]
