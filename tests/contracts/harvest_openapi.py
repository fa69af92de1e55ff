"""Harvest's published OpenAPI contract as a test oracle for JSON bodies the emulator serves.

The contract (`harvest/harvest-openapi.yaml` under the vendor contracts directory, ~470 KB) is
parsed once per file. Two adjustments make it checkable with an OpenAPI 3.0 validator:
- a few `anyOf` branches say `type: 'null'`, which is JSON Schema, not OpenAPI 3.0 (the validator
  rejects the type): they become the 3.0 spelling, `nullable` with `enum: [null]`;
- with `closed=True` (the default) every object schema that lists its properties forbids others.
  Harvest's schemas leave objects open, but a key the contract does not define is a key the real
  API never sends (a leaked private `_invoice_id`, an invented field), and the tests want to catch
  it.
Paths are the contract's templates, with or without the `/v2` server prefix:
`/clients/{clientId}` or `/v2/clients/{clientId}`.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

SPEC_FILE = Path("harvest") / "harvest-openapi.yaml"
SERVER_PREFIX = "/v2"


@lru_cache(maxsize=4)
def load_spec(spec_path: str) -> dict:
    """The contract as parsed YAML, read once per file (libyaml's loader when present: 5x faster)."""
    with open(spec_path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=4)
def _components(spec_path: str, closed: bool) -> dict:
    """The contract's `components`, made checkable by an OpenAPI 3.0 validator."""
    return _checkable(copy.deepcopy(load_spec(spec_path)["components"]), closed)


def _checkable(node, closed: bool):
    if isinstance(node, dict):
        if node.get("type") == "null":
            return {"nullable": True, "enum": [None]}
        node = {key: _checkable(value, closed) for key, value in node.items()}
        if closed and "properties" in node:
            node.setdefault("additionalProperties", False)
        return node
    if isinstance(node, list):
        return [_checkable(item, closed) for item in node]
    return node


def response_schema(spec_path: str, path_template: str, method: str, status: int | str, *, closed: bool = True) -> dict:
    """The JSON schema of one documented response, with the components its `$ref`s point into."""
    spec = load_spec(spec_path)
    template = path_template.removeprefix(SERVER_PREFIX) or "/"
    try:
        operation = spec["paths"][template][method.lower()]
    except KeyError:
        raise KeyError(f"the Harvest contract has no operation {method.upper()} {template}") from None
    responses = {str(code): response for code, response in operation["responses"].items()}
    response = responses.get(str(status), responses.get("default"))
    if response is None:
        raise KeyError(f"the Harvest contract documents no {status} for {method.upper()} {template}")
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        raise KeyError(f"the Harvest contract gives no JSON body for {status} on {method.upper()} {template}")
    return {**_checkable(schema, closed), "components": _components(spec_path, closed)}


@lru_cache(maxsize=256)
def _validator(spec_path: str, path_template: str, method: str, status: str, closed: bool) -> OAS30Validator:
    return OAS30Validator(
        response_schema(spec_path, path_template, method, status, closed=closed), format_checker=oas30_format_checker
    )


def validate_harvest_response(
    contracts_dir: str | Path, path_template: str, method: str, status: int | str, body, *, closed: bool = True
) -> list[str]:
    """Every way `body` breaks the contract's schema for that response; empty when it conforms."""
    validator = _validator(str(Path(contracts_dir) / SPEC_FILE), path_template, method.lower(), str(status), closed)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message}"
        for error in sorted(validator.iter_errors(body), key=lambda error: list(map(str, error.absolute_path)))
    ]
