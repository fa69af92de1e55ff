"""QuickBooks Online's published XSDs as a JSON contract: which keys an entity may carry.

QBO's JSON is a mechanical rendering of its XML schema: elements and attributes become keys,
repeated elements become arrays, and the simple content of a type such as ReferenceType becomes
`value`. So a payload key the XSD does not define is a key the real API never sends; the emulator
tests use this to keep every served entity honest. Stdlib only (xml.etree); parsed once per
contracts directory.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

XS = "{http://www.w3.org/2001/XMLSchema}"
SIMPLE_CONTENT_KEY = "value"
NUMERIC_BASES = {
    "decimal",
    "int",
    "integer",
    "long",
    "short",
    "positiveInteger",
    "nonNegativeInteger",
    "double",
    "float",
    "unsignedInt",
    "byte",
}


@dataclass(frozen=True)
class Field:
    """One element or attribute of a complex type, as its JSON key."""

    type: str  # local type name: a complex type ("ReferenceType"), simple type ("id") or XSD built-in ("string")
    required: bool = False
    repeated: bool = False


@dataclass(frozen=True)
class Schema:
    complex_types: dict[str, dict[str, Field]]  # complexTypeName -> {key: Field}, base types merged in
    open_types: frozenset[str]  # complex types with xs:any: any key is allowed
    simple_bases: dict[str, str]  # simple type -> the XSD built-in it restricts
    enumerations: dict[str, frozenset[str]]  # simple type -> allowed values, where it enumerates


def _local(qname: str | None) -> str:
    return (qname or "string").split(":")[-1]


class _Parser:
    """Collects raw type definitions from all files, then merges `xs:extension` bases."""

    def __init__(self, roots: list[ET.Element]):
        self.raw_types = {t.get("name"): t for r in roots for t in r.iter(f"{XS}complexType") if t.get("name")}
        self.groups = {g.get("name"): g for r in roots for g in r.findall(f"{XS}group")}
        self.simple_types = {t.get("name"): t for r in roots for t in r.iter(f"{XS}simpleType") if t.get("name")}
        self.resolved: dict[str, dict[str, Field]] = {}
        self.open_types: set[str] = set()

    def schema(self) -> Schema:
        for name in self.raw_types:
            self.fields_of(name)
        return Schema(
            self.resolved,
            frozenset(self.open_types),
            {name: self._builtin_base(name) for name in self.simple_types},
            {
                name: frozenset(e.get("value") for e in node.iter(f"{XS}enumeration"))
                for name, node in self.simple_types.items()
                if node.find(f".//{XS}enumeration") is not None
            },
        )

    def _builtin_base(self, name: str) -> str:
        seen = set()
        while name in self.simple_types and name not in seen:
            seen.add(name)
            restriction = self.simple_types[name].find(f"{XS}restriction")
            name = _local(restriction.get("base") if restriction is not None else None)
        return name

    def fields_of(self, name: str) -> dict[str, Field]:
        if name not in self.resolved:
            self.resolved[name] = {}  # guards against a cyclic base chain
            fields: dict[str, Field] = {}
            self._collect(self.raw_types[name], name, fields, optional=False)
            self.resolved[name] = fields
        return self.resolved[name]

    def _collect(self, node: ET.Element, owner: str, fields: dict[str, Field], optional: bool) -> None:
        for child in node:
            tag = child.tag.removeprefix(XS)
            if tag == "element" and child.get("name"):
                fields[child.get("name")] = Field(
                    _local(child.get("type")),
                    required=not optional and child.get("minOccurs", "1") != "0",
                    repeated=child.get("maxOccurs", "1") != "1",
                )
            elif tag == "attribute":
                fields[child.get("name")] = Field(_local(child.get("type")), required=child.get("use") == "required")
            elif tag in ("sequence", "choice", "all"):
                self._collect(child, owner, fields, optional or tag == "choice" or child.get("minOccurs") == "0")
            elif tag == "group" and child.get("ref"):
                self._collect(
                    self.groups[_local(child.get("ref"))], owner, fields, optional or child.get("minOccurs") == "0"
                )
            elif tag == "group":
                self._collect(child, owner, fields, optional)
            elif tag == "any":
                self.open_types.add(owner)
            elif tag == "complexContent":
                self._collect(child, owner, fields, optional)
            elif tag == "simpleContent":
                extension = child.find(f"{XS}extension")
                fields[SIMPLE_CONTENT_KEY] = Field(_local(extension.get("base")), required=True)
                self._collect(extension, owner, fields, optional)
            elif tag == "extension":
                base = _local(child.get("base"))
                if base in self.raw_types:
                    fields.update(self.fields_of(base))
                    if base in self.open_types:
                        self.open_types.add(owner)
                self._collect(child, owner, fields, optional)


@lru_cache(maxsize=4)
def load_schema(contracts_dir: str | Path) -> Schema:
    """Every complex type defined by the *.xsd files of `contracts_dir` (cached: ~700 KB of XML)."""
    files = sorted(Path(contracts_dir).glob("*.xsd"))
    if not files:
        raise FileNotFoundError(f"no QuickBooks XSD files in {contracts_dir}")
    return _Parser([ET.parse(f).getroot() for f in files]).schema()


def complex_types(contracts_dir: str | Path) -> dict[str, dict[str, Field]]:
    """{complexTypeName: {element/attribute key: Field}} with inherited keys merged in."""
    return load_schema(str(Path(contracts_dir).resolve())).complex_types


def validate_entity(contracts_dir: str | Path, entity_name: str, payload: dict) -> list[str]:
    """Every way `payload` breaks the XSD type `entity_name`: unknown keys, wrong JSON shapes and
    simple types, enumeration values, missing required keys. Empty means valid."""
    schema = load_schema(str(Path(contracts_dir).resolve()))
    if entity_name not in schema.complex_types:
        return [f"{entity_name}: no such complex type in the XSD"]
    return _check_object(schema, entity_name, payload, entity_name)


def _check_object(schema: Schema, type_name: str, payload: object, path: str) -> list[str]:
    if not isinstance(payload, dict):
        return [f"{path}: expected an object of {type_name}, got {type(payload).__name__}"]
    fields = schema.complex_types[type_name]
    errors = [
        f"{path}: missing required key {key!r} of {type_name}"
        for key, field in fields.items()
        if field.required and key not in payload
    ]
    for key, value in payload.items():
        field = fields.get(key)
        if field is None:
            if type_name not in schema.open_types:
                errors.append(f"{path}.{key}: not defined by {type_name}")
            continue
        if field.repeated:
            if not isinstance(value, list):
                errors.append(f"{path}.{key}: repeated element must be an array")
                continue
            for index, item in enumerate(value):
                errors += _check_value(schema, field.type, item, f"{path}.{key}[{index}]")
        else:
            errors += _check_value(schema, field.type, value, f"{path}.{key}")
    return errors


def _check_value(schema: Schema, type_name: str, value: object, path: str) -> list[str]:
    if type_name in schema.complex_types:
        return _check_object(schema, type_name, value, path)
    base = schema.simple_bases.get(type_name, type_name)
    if base == "boolean":
        ok = isinstance(value, bool)
    elif base in NUMERIC_BASES:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        return [f"{path}: {value!r} is not a JSON {base} ({type_name})"]
    allowed = schema.enumerations.get(type_name)
    if allowed and value not in allowed:
        return [f"{path}: {value!r} is not one of {type_name}'s values"]
    return []
