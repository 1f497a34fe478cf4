"""targon-operator: Targon GPU workloads as Kubernetes resources."""

__version__ = "0.1.0"
