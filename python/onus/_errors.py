"""The exceptions Onus raises, and the located diagnostics they carry.

The native module raises these classes itself (``onus._native`` imports
this module by name), so a failure in Rust arrives as one of them, never
as a bare ``RuntimeError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Optional, Tuple


@dataclass(frozen=True)
class Location:
    """A related place in the source: another rule in a conflict, say."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Diagnostic:
    """One located finding or error, as ``onus check --format json`` gives it.

    ``line`` and ``column`` are 1-based and ``None`` for a diagnostic about
    the whole input; ``replacement`` is the quick fix's text, where there is
    one; ``scenario`` is the witness of a finding (the dimension values that
    show it).
    """

    code: str
    severity: str
    message: str
    path: str
    line: Optional[int] = None
    column: Optional[int] = None
    end_line: Optional[int] = None
    end_column: Optional[int] = None
    help: Optional[str] = None
    replacement: Optional[str] = None
    scenario: Optional[Mapping[str, str]] = None
    any_value: Tuple[str, ...] = ()
    related: Tuple[Location, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Diagnostic":
        """A diagnostic from its JSON object."""
        scenario = data.get("scenario")
        return cls(
            code=data["code"],
            severity=data.get("severity", "error"),
            message=data["message"],
            path=data.get("path", ""),
            line=data.get("line"),
            column=data.get("column"),
            end_line=data.get("end_line"),
            end_column=data.get("end_column"),
            help=data.get("help"),
            replacement=data.get("replacement"),
            scenario=None if scenario is None else MappingProxyType(dict(scenario)),
            any_value=tuple(data.get("any_value", ())),
            related=tuple(Location(**r) for r in data.get("related", ())),
        )

    def to_json(self) -> dict:
        """The diagnostic as ``onus check --format json`` writes it, with the
        replacement and the span's end."""
        out = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
        }
        if self.scenario is not None:
            out["scenario"] = dict(self.scenario)
        if self.any_value:
            out["any_value"] = list(self.any_value)
        out["related"] = [vars(r).copy() for r in self.related]
        if self.help is not None:
            out["help"] = self.help
        out["replacement"] = self.replacement
        out["end_line"] = self.end_line
        out["end_column"] = self.end_column
        return out


class OnusError(Exception):
    """Something Onus could not use. ``str()`` is the message as the CLI
    renders it, with the source marked; ``diagnostics`` holds each located
    diagnostic (code, message, line, column, help, replacement). Where the
    command still answered (a ``diff`` with a zone too complex to compare,
    ``test`` with one unreadable file among several), ``result`` is its
    JSON text, as the CLI prints it beside exit code 2; else ``None``."""

    diagnostics: Tuple[Diagnostic, ...]
    result: Optional[str]

    def __init__(self, message: str, diagnostics: str = "[]") -> None:
        super().__init__(message)
        self.diagnostics = tuple(Diagnostic.from_json(d) for d in json.loads(diagnostics))
        self.result = None


class PolicyError(OnusError):
    """A policy (or its test file) that does not load."""


class ScenarioError(OnusError):
    """A scenario, a setting or a row that is not a scenario of the policy."""


class InventoryError(OnusError):
    """An inventory or a resource map that cannot be read."""


class ExportError(OnusError):
    """An export that cannot be made: a mapping, baseline, date or profile."""


class InputError(OnusError):
    """Another input that cannot be read: a published responsibility file."""
