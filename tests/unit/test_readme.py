"""The README's reference tables match their single sources (CRD, settings, reasons)."""

from __future__ import annotations

from pathlib import Path

from targon_operator import reference

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_tables_are_generated_from_the_crd_settings_and_reasons() -> None:
    readme = (ROOT / "README.md").read_text()
    rendered = reference.render(readme, ROOT / "crds" / "targonworkloads.targon.com.yaml")
    assert readme == rendered, "README.md is stale: run `make docs`"


def test_every_spec_field_and_reason_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    for field in (
        "spec.serverlessConfig.readinessProbe.path",
        "spec.credentialsSecretRef.key",
        "status.conditions",
    ):
        assert f"`{field}`" in readme
    for flag in ("--api-key-secret", "--resync-interval", "TARGON_API_URL"):
        assert flag in readme
    assert "`InvalidSpec`" in readme and "`Unauthorized`" in readme
