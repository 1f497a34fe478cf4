"""The operator tests' fixtures (simulator, workloads helper), shared with the install tests."""

from tests.integration.operator.conftest import sim, workloads

__all__ = ["sim", "workloads"]
