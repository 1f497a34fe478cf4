"""The README's reference tables, generated from their single sources.

Spec and status fields come from the CRD's own descriptions, flags and environment
variables from ``settings.OperatorSettings``, condition reasons from ``conditions``. ``make
docs`` rewrites the README between ``<!-- BEGIN x -->`` / ``<!-- END x -->`` markers, and a
test fails when the README and these sources disagree.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .conditions import REASON_DOCS
from .settings import settings_table

MARKER = re.compile(r"(<!-- BEGIN (\w+) -->\n)(.*?)(<!-- END \2 -->)", re.S)


def _rows(schema: dict[str, Any], prefix: str) -> list[tuple[str, str, str]]:
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}"
        kind = prop.get("type", "object")
        if kind == "array":
            kind = f"[]{prop.get('items', {}).get('type', 'object')}"
        if "enum" in prop:
            kind = " \\| ".join(str(v) for v in prop["enum"])
        description = " ".join(str(prop.get("description", "")).split())
        rows.append((path, kind, description))
        nested = prop.get("items", prop) if prop.get("type") == "array" else prop
        if name != "kopf" and nested.get("properties"):
            rows.extend(_rows(nested, path + ("[]" if prop.get("type") == "array" else "")))
    return rows


def fields_table(crd_path: Path, section: str) -> str:
    crd = yaml.safe_load(crd_path.read_text())
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"][section]
    lines = ["| Field | Type | Description |", "| --- | --- | --- |"]
    for path, kind, description in _rows(schema, section):
        lines.append(f"| `{path}` | {kind} | {description} |")
    return "\n".join(lines)


def reasons_table() -> str:
    lines = ["| Reason | Condition | Meaning |", "| --- | --- | --- |"]
    for reason, (condition, meaning) in REASON_DOCS.items():
        lines.append(f"| `{reason.value}` | {condition} | {meaning} |")
    return "\n".join(lines)


def tables(crd_path: Path) -> dict[str, str]:
    return {
        "spec": fields_table(crd_path, "spec"),
        "status": fields_table(crd_path, "status"),
        "settings": settings_table(),
        "reasons": reasons_table(),
    }


def render(readme: str, crd_path: Path) -> str:
    generated = tables(crd_path)

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in generated:
            return match.group(0)
        return f"{match.group(1)}{generated[name]}\n{match.group(4)}"

    return MARKER.sub(replace, readme)


def main() -> None:
    root = Path.cwd()
    readme = root / "README.md"
    readme.write_text(render(readme.read_text(), root / "crds" / "targonworkloads.targon.com.yaml"))


if __name__ == "__main__":
    main()
