"""A vendor's published OpenAPI contract as a test oracle for JSON bodies an emulator serves.

A contract is parsed once per file. Three adjustments make it checkable with an OpenAPI 3.0 validator:
- `anyOf` branches that say `type: 'null'` (JSON Schema, not OpenAPI 3.0: the validator rejects the
  type) become the 3.0 spelling, `nullable` with `enum: [null]`;
- a `$ref`'s sibling keywords are dropped, as OpenAPI 3.0 says they are ignored (Xero's Task has `rate:
  {$ref: Amount, type: number}`, and its own example's rate is the Amount object);
- with `closed=True` (the default) every object schema that lists its properties forbids others.
  Vendors' schemas leave objects open, but a key the contract does not define is a key the real API
  never sends (a leaked private field, an invented one), and the tests want to catch it.
Paths are the contract's templates, with or without the vendor's server prefix.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker


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
        if "$ref" in node:
            return {"$ref": node["$ref"]}
        node = {key: _checkable(value, closed) for key, value in node.items()}
        if closed and "properties" in node:
            node.setdefault("additionalProperties", False)
        return node
    if isinstance(node, list):
        return [_checkable(item, closed) for item in node]
    return node


@dataclass(frozen=True)
class Contract:
    """One vendor's contract file (relative to the vendor contracts directory) and its server prefix."""

    vendor: str
    spec_file: Path
    server_prefix: str

    def response_schema(
        self, spec_path: str, path_template: str, method: str, status: int | str, *, closed: bool = True
    ) -> dict:
        """The JSON schema of one documented response, with the components its `$ref`s point into."""
        spec = load_spec(spec_path)
        template = path_template.removeprefix(self.server_prefix) or "/"
        try:
            operation = spec["paths"][template][method.lower()]
        except KeyError:
            raise KeyError(f"the {self.vendor} contract has no operation {method.upper()} {template}") from None
        responses = {str(code): response for code, response in operation["responses"].items()}
        response = responses.get(str(status), responses.get("default"))
        if response is not None and "$ref" in response:  # a shared response under components/responses
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        if response is None:
            raise KeyError(f"the {self.vendor} contract documents no {status} for {method.upper()} {template}")
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            raise KeyError(f"the {self.vendor} contract gives no JSON body for {status} on {method.upper()} {template}")
        return {**_checkable(schema, closed), "components": _components(spec_path, closed)}

    def validate(
        self,
        contracts_dir: str | Path,
        path_template: str,
        method: str,
        status: int | str,
        body,
        *,
        closed: bool = True,
    ) -> list[str]:
        """Every way `body` breaks the contract's schema for that response; empty when it conforms."""
        validator = _validator(
            self, str(Path(contracts_dir) / self.spec_file), path_template, method.lower(), str(status), closed
        )
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message}"
            for error in sorted(validator.iter_errors(body), key=lambda error: list(map(str, error.absolute_path)))
        ]


@lru_cache(maxsize=256)
def _validator(
    contract: Contract, spec_path: str, path_template: str, method: str, status: str, closed: bool
) -> OAS30Validator:
    return OAS30Validator(
        contract.response_schema(spec_path, path_template, method, status, closed=closed),
        format_checker=oas30_format_checker,
    )
