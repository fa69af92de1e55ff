"""The two kinds of settings models: environment variables (`TIEOUT_<FIELD>`) and YAML files. Both
refuse a bad value with a `SettingsError` naming the setting (the variable, or the file and the key
path) and what is wrong with it, never the value, which may be a secret."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Self

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG = Path(__file__).resolve().parents[2] / "config"
PREFIX = "TIEOUT_"


class SettingsError(ValueError):
    """A setting tieout cannot start with; the message names it."""


def described(error: ValidationError, name: Callable[[tuple[Any, ...]], str]) -> str:
    """Each problem as `setting: what is wrong`, built without the input value."""
    problems = []
    for problem in error.errors(include_input=False, include_url=False, include_context=False):
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{name(problem['loc'])}: {message}" if problem["loc"] else message)
    return "; ".join(problems)


class EnvironmentSettings(BaseSettings):
    """A concern's environment variables; an empty variable counts as unset (its default applies)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore")

    @classmethod
    def variable(cls, field: str) -> str:
        return f"{PREFIX}{field.upper()}"

    @classmethod
    def load(cls) -> Self:
        try:
            return cls()
        except ValidationError as error:  # raised outside the handler: the error's inputs stay out
            problems = described(error, lambda loc: cls.variable(str(loc[0])))
        raise SettingsError(problems)


class ConfigFiles(EnvironmentSettings):
    """The variables naming another file than a concern's default one."""

    quality_config: Path | None = None
    reconciliation_config: Path | None = None
    ownership: Path | None = None
    portal_config: Path | None = None


class FileModel(BaseModel):
    """A part of a settings file: an unknown key is a typo, refused rather than ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FileSettings(FileModel):
    """A concern kept in a YAML file: `default_file`, or the file its variable (a field of
    `ConfigFiles`) names. The default file is the embedded default."""

    default_file: ClassVar[Path]
    file_setting: ClassVar[str]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Self:
        named = getattr(ConfigFiles.load(), cls.file_setting)
        source = Path(path or named or cls.default_file)
        where = f"{source}" if path or not named else f"{source} ({ConfigFiles.variable(cls.file_setting)})"
        if not source.exists() and (path or named):
            raise SettingsError(f"{where}: no such file")
        try:
            values = yaml.safe_load(source.read_text()) if source.exists() else {}
        except yaml.YAMLError as error:  # its text quotes the line, which may hold a secret: not shown
            mark = getattr(error, "problem_mark", None)
            raise SettingsError(f"{where}: not YAML" + (f" (line {mark.line + 1})" if mark else "")) from None
        try:
            return cls.model_validate(values or {})
        except ValidationError as error:
            problems = described(error, lambda loc: ".".join(str(part) for part in loc))
        raise SettingsError(f"{where}: {problems}")
