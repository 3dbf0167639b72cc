"""Onus in Python: who holds each part of a cloud workload's security, the
customer, the provider, or both, and which rule decided.

Every answer is the one the CLI gives: the objects here are read-only views
of the CLI's JSON, and ``to_json()`` returns that JSON as a ``dict``.

>>> import onus
>>> azure = onus.Policy.builtin("azure")
>>> answer = azure.eval(model="paas")
>>> answer.decision("operating system").party
'provider'

Rust does the work with the GIL released, and a ``Policy`` is immutable, so
threads may share one.
"""

from __future__ import annotations

import copy
import json
import os
from itertools import islice
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from . import _native
from ._errors import (
    Diagnostic,
    ExportError,
    InputError,
    InventoryError,
    Location,
    OnusError,
    PolicyError,
    ScenarioError,
)

__version__: str = _native.VERSION

__all__ = [
    "BatchError",
    "Builtin",
    "Decision",
    "Diagnostic",
    "Evaluation",
    "ExportError",
    "InputError",
    "InventoryError",
    "Location",
    "OnusError",
    "Policy",
    "PolicyError",
    "Record",
    "ScenarioError",
    "builtins",
    "check_text",
    "estate",
    "estate_batches",
    "estate_stream",
    "schema",
    "schema_names",
    "test",
]

PathLike = Union[str, "os.PathLike[str]"]
Scenario = Mapping[str, str]


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return Record(value)
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


class Record(Mapping[str, Any]):
    """A read-only view of a JSON object the CLI writes: its keys as items
    (``record["added_zones"]``) and, where they are names, as attributes
    (``record.added_zones``); lists are tuples, objects are records.
    ``to_json()`` gives the object itself, as a new ``dict``."""

    __slots__ = ("_json", "_frozen")

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_json", data)
        object.__setattr__(self, "_frozen", None)

    @property
    def _items(self) -> Dict[str, Any]:
        # Built on first use: a batch of records read only for a field or
        # two costs no more than its JSON. Two threads racing here build
        # equal objects, and one of them is kept.
        frozen = self._frozen
        if frozen is None:
            frozen = self._freeze_items()
            object.__setattr__(self, "_frozen", frozen)
        return frozen

    def _freeze_items(self) -> Dict[str, Any]:
        return {k: _freeze(v) for k, v in self._json.items()}

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no field {name!r}; it has {sorted(self._items)}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record):
            return self._json == other._json
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._json!r})"

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return (type(self), (self._json,))

    def to_json(self) -> Dict[str, Any]:
        """The CLI's JSON object, as a new ``dict``."""
        return copy.deepcopy(dict(self._json))


class Decision(Record):
    """Who holds one zone in one scenario, and why. Fields missing from a
    batch record (``fields=``) are ``None``."""

    __slots__ = ()

    @property
    def zone(self) -> str:
        """The zone's name."""
        return self._json["zone"]

    @property
    def label(self) -> Optional[str]:
        """How the zone reads to people."""
        return self._json.get("label")

    @property
    def party(self) -> Optional[str]:
        """The party that holds the zone; ``None`` in a conflict."""
        return self._json.get("party")

    @property
    def status(self) -> Optional[str]:
        """``rule``, ``default`` or ``conflict``."""
        return self._json.get("status")

    @property
    def rules(self) -> Tuple[Record, ...]:
        """The deciding rules: each with ``line``, ``column`` and ``text``."""
        return self._items.get("rules", ())

    @property
    def because(self) -> Optional[str]:
        """The deciding rule's reason, where it gives one."""
        return self._json.get("because")

    @property
    def enabled_by_default(self) -> bool:
        """Whether every deciding rule says the feature is on by default."""
        return bool(self._json.get("enabled_by_default", False))


class Evaluation(Record):
    """Every zone's decision in one scenario: ``onus eval --format json``,
    or one record of ``onus eval --batch``."""

    __slots__ = ()

    def _freeze_items(self) -> Dict[str, Any]:
        items = super()._freeze_items()
        items["decisions"] = tuple(Decision(d) for d in self._json.get("decisions", ()))
        return items

    @property
    def scenario(self) -> Record:
        """The scenario evaluated: each dimension's value."""
        return self._items["scenario"]

    @property
    def id(self) -> Any:
        """The scenario's ``id``, if it had one."""
        return self._items.get("id")

    @property
    def decisions(self) -> Tuple[Decision, ...]:
        """Each zone's decision, in the policy's order."""
        return self._items["decisions"]

    @property
    def conflicts(self) -> Tuple[Decision, ...]:
        """The zones in conflict."""
        return tuple(d for d in self.decisions if d.status == "conflict")

    def decision(self, zone: str) -> Decision:
        """The decision of the zone named ``zone``."""
        for decision in self.decisions:
            if decision.zone == zone:
                return decision
        zones = ", ".join(d.zone for d in self.decisions)
        raise KeyError(f"no zone {zone!r}: the zones are {zones}")


class BatchError(Record):
    """A record of ``eval_many`` that is not a scenario (with
    ``errors="yield"``): its ``line`` (1-based position in the input) and
    ``errors``."""

    __slots__ = ()

    @property
    def diagnostics(self) -> Tuple[Diagnostic, ...]:
        """The record's errors as diagnostics."""
        return tuple(_record_diagnostic(self._json["line"], e) for e in self._json["errors"])


class Builtin(Record):
    """A built-in policy: its ``name`` and ``title``."""

    __slots__ = ()


def _record_diagnostic(line: int, error: Mapping[str, Any]) -> Diagnostic:
    return Diagnostic.from_json(
        {
            "code": error["code"],
            "severity": "error",
            "message": error["message"],
            "path": f"record {line}",
            "line": 1,
            "column": error.get("column"),
            "help": error.get("help"),
        }
    )


def _plain(value: Any) -> Any:
    """A mapping (a ``Record``, a witness's ``MappingProxyType``) as JSON
    sees it; anything else is JSON's own business."""
    if isinstance(value, Record):
        return value._json
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _json_line(value: Any, default: Any = _plain) -> str:
    """One NDJSON line. ASCII escapes keep a lone surrogate a bad record of
    its own (the batch says which) rather than a failure of the chunk."""
    if isinstance(value, Record):
        value = value._json
    return json.dumps(value, separators=(",", ":"), default=default)


def _ndjson_chunks(items: Iterable[Any], size: int, default: Any) -> Iterator[Tuple[int, bytes]]:
    """``items`` as NDJSON, ``size`` lines at a time, each chunk with how
    many items came before it (so a record's ``line`` counts from the first
    item): what the batch and the estate stream read."""
    remaining = iter(items)
    read = 0
    while True:
        chunk = list(islice(remaining, size))
        if not chunk:
            return
        yield read, ("\n".join(_json_line(i, default) for i in chunk) + "\n").encode("ascii")
        read += len(chunk)


def _text_values(merged: Mapping[str, Any]) -> None:
    for name, value in merged.items():
        if name != "id" and not isinstance(value, str):
            raise TypeError(f"dimension {name!r}: a value is a str, not {type(value).__name__}")


def _settings(scenario: Optional[Scenario], settings: Mapping[str, str]) -> List[str]:
    merged = dict(scenario or {})
    merged.update(settings)
    _text_values(merged)
    return [f"{name}={value}" for name, value in merged.items()]


class Policy:
    """A loaded responsibility policy. Immutable and safe to share between
    threads; every method runs in Rust with the GIL released."""

    __slots__ = ("_native", "_description")

    def __init__(self, native: "_native.NativePolicy") -> None:
        object.__setattr__(self, "_native", native)
        object.__setattr__(self, "_description", json.loads(native.describe()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Policy is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Policy is immutable")

    @classmethod
    def builtin(cls, name: str) -> "Policy":
        """A built-in policy by name (see :func:`builtins`)."""
        return cls(_native.NativePolicy.builtin(name))

    @classmethod
    def load(cls, path: PathLike) -> "Policy":
        """A policy file, or a built-in policy's name, as the CLI takes them."""
        return cls(_native.NativePolicy.load(os.fspath(path)))

    @classmethod
    def from_text(cls, text: str, name: str = "policy.onus") -> "Policy":
        """A policy from its text; ``name`` names it in diagnostics."""
        return cls(_native.NativePolicy.from_text(text, name))

    def __repr__(self) -> str:
        return f"<onus.Policy {self.name!r}>"

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        # A policy travels (to Spark's workers, to other processes) as its
        # text, loaded again there under the same name.
        return (Policy.from_text, (self.text, self.name))

    @property
    def name(self) -> str:
        """The policy's name: a built-in's, or the file's path."""
        return self._description["name"]

    @property
    def title(self) -> Optional[str]:
        """The policy's title, if it declares one."""
        return self._description["title"]

    @property
    def dimensions(self) -> Mapping[str, Tuple[str, ...]]:
        """Each dimension and its values, in declaration order."""
        return {d["name"]: tuple(d["values"]) for d in self._description["dimensions"]}

    @property
    def zones(self) -> Mapping[str, str]:
        """Each zone's name and label, in the policy's order."""
        return {z["name"]: z["label"] for z in self._description["zones"]}

    @property
    def parties(self) -> Mapping[str, str]:
        """Each party's name and label."""
        return {p["name"]: p["label"] for p in self._description["parties"]}

    @property
    def default_party(self) -> str:
        """The party that holds a zone no rule decides."""
        return self._description["default_party"]

    @property
    def text(self) -> str:
        """The policy's source text."""
        return self._native.text()

    def eval(
        self,
        scenario: Optional[Scenario] = None,
        /,
        *,
        id: Any = None,
        explain: bool = False,
        **settings: str,
    ) -> Evaluation:
        """Who holds each zone in a complete scenario, given as a mapping
        (``{"model": "paas"}``) or keywords (``model="paas"``), or both;
        ``id`` is echoed. ``explain`` adds every rule considered."""
        merged: Dict[str, Any] = dict(scenario or {})
        merged.update(settings)
        _text_values(merged)
        if id is not None:
            merged = {"id": id, **merged}
        text = json.dumps(merged, ensure_ascii=False)
        return Evaluation(json.loads(self._native.eval(text, explain)))

    def eval_partial(self, scenario: Optional[Scenario] = None, /, **settings: str) -> Record:
        """Each zone's answer with dimensions left open: definite, or each
        answer with the condition on the open dimensions under which it
        holds (``onus eval --partial``)."""
        return Record(json.loads(self._native.eval_partial(_settings(scenario, settings))))

    def matrix(
        self,
        over: Optional[str] = None,
        *,
        only: Optional[Sequence[str]] = None,
        format: str = "json",
        scenario: Optional[Scenario] = None,
        **settings: str,
    ) -> Union[Record, str]:
        """Every value of dimension ``over`` (the policy's sweep by default),
        the others fixed by ``scenario`` and keywords; ``only`` keeps those
        values. JSON gives a record; ``markdown``, ``csv``, ``svg``,
        ``html`` and ``table`` give text."""
        text = self._native.matrix(over, list(only or ()), _settings(scenario, settings), format)
        return Record(json.loads(text)) if format == "json" else text

    def check(self) -> Tuple[Diagnostic, ...]:
        """Every finding of ``onus check`` (conflicts, dead rules, failed
        assertions, ...), each with the scenario that shows it."""
        return tuple(Diagnostic.from_json(d) for d in json.loads(self._native.check()))

    def diff(self, other: "Policy") -> Record:
        """Where ``other`` answers differently, zone by zone, each change with
        its condition and a scenario (``onus diff OLD NEW``)."""
        return Record(json.loads(self._native.diff(other._native)))

    def diff_scenarios(self, from_: Scenario, to: Scenario) -> Record:
        """The zones whose holder changes between two scenarios (``onus diff
        --from .. --to ..``): what changes when a workload moves."""
        return Record(
            json.loads(self._native.diff_scenarios(_settings(from_, {}), _settings(to, {})))
        )

    def test(self) -> Record:
        """The policy's own tests run (``onus test --format json``)."""
        return Record(json.loads(self._native.test()))

    def export(
        self,
        format: str,
        *,
        mapping: Optional[str] = None,
        scenario: Optional[Scenario] = None,
        baseline: Optional[str] = None,
        profile: Optional[str] = None,
        date: Optional[str] = None,
        **settings: str,
    ) -> Union[Dict[str, Any], str, bytes]:
        """The answers control by control: ``oscal-ssp``,
        ``oscal-ssp-customer`` and ``oscal-component-definition`` as a
        ``dict``, ``crm-csv`` and ``caiq-csv`` as text, ``crm-xlsx`` and
        ``caiq-xlsx`` as bytes (``onus export``)."""
        data = self._native.export(
            format, mapping, _settings(scenario, settings), baseline, profile, date
        )
        if format.startswith("oscal"):
            return json.loads(data)
        if format.endswith("-csv"):
            return data.decode("utf-8")
        return data

    def compare(
        self,
        published: PathLike,
        *,
        mapping: Optional[str] = None,
        scenario: Optional[Scenario] = None,
        **settings: str,
    ) -> Record:
        """The policy's answer per control against a provider's published
        responsibility file (FedRAMP CRM, CAIQ, OSCAL SSP, owner CSV)."""
        text = self._native.compare(os.fspath(published), mapping, _settings(scenario, settings))
        return Record(json.loads(text))

    def eval_many(
        self,
        scenarios: Iterable[Mapping[str, Any]],
        *,
        fields: Optional[Sequence[str]] = None,
        errors: str = "raise",
        chunk_size: int = 4096,
    ) -> Iterator[Union[Evaluation, BatchError]]:
        """Evaluates any iterable of scenarios (each a mapping, with an
        optional ``"id"``), lazily, ``chunk_size`` at a time, in bounded
        memory: the records of ``onus eval --batch`` (``line`` is the
        scenario's 1-based position). ``fields`` keeps only those decision
        fields (``label``, ``party``, ``status``, ``rules``, ``because``). A
        scenario that is not one raises :class:`ScenarioError`, or with
        ``errors="yield"`` comes as a :class:`BatchError`."""
        if errors not in ("raise", "yield"):
            raise ValueError('errors is "raise" or "yield"')
        if chunk_size < 1:
            raise ValueError("chunk_size is at least 1")
        wanted = list(fields or ())
        for read, data in _ndjson_chunks(scenarios, chunk_size, _plain):
            answered = self._native.batch(data, wanted)[0]
            for line in answered.splitlines():
                record = json.loads(line)
                record["line"] += read
                if "errors" not in record:
                    yield Evaluation(record)
                    continue
                failed = BatchError(record)
                if errors == "yield":
                    yield failed
                    continue
                message = "\n".join(
                    f"record {record['line']}: {e['message']}" for e in record["errors"]
                )
                raise ScenarioError(
                    message, json.dumps([d.to_json() for d in failed.diagnostics])
                )

    def eval_arrow(
        self,
        data: Any,
        *,
        id: Optional[str] = "id",
        fields: Sequence[str] = ("party", "status"),
    ) -> "Any":
        """Evaluates every row of Arrow data: a ``pyarrow.Table``,
        ``RecordBatch``, ``RecordBatchReader`` or list of batches, a Polars
        or pandas ``DataFrame``, or anything with ``__arrow_c_stream__``.
        One text column per dimension, and the ``id`` column if present
        (``id=None``: none; another name: required). Returns a
        ``pyarrow.Table`` with a row per input row, in order: the id,
        ``error_code`` and ``error`` (set when the row's values are not a
        scenario), and for each zone a column ``"<zone>.<field>"`` per field
        (dictionary-encoded text; ``rules`` a list of ``line``, ``column``,
        ``text``)."""
        stream = _arrow_stream(data)
        required = id is not None and id != "id"
        return self._native.eval_arrow(stream, id, required, list(fields))


def _arrow_stream(data: Any) -> Any:
    """``data`` as an object with ``__arrow_c_stream__``."""
    if type(data).__module__.startswith("pandas"):
        # pandas exports its index as a column; a scenario has none.
        import pyarrow as pa

        return pa.Table.from_pandas(data, preserve_index=False)
    if hasattr(data, "__arrow_c_stream__"):
        return data
    try:
        import pyarrow as pa
    except ImportError as error:  # pragma: no cover - named in the message
        raise TypeError(
            "eval_arrow takes an object with __arrow_c_stream__; install pyarrow "
            "(pip install 'onus[arrow]') to pass batches or pandas frames"
        ) from error
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, (list, tuple)) and all(isinstance(b, pa.RecordBatch) for b in data):
        if not data:
            raise ValueError("eval_arrow needs at least one batch (its schema)")
        return pa.Table.from_batches(list(data))
    raise TypeError(f"eval_arrow cannot read a {type(data).__name__} as Arrow data")


def _policy(policy: Union[Policy, str, None], default: str) -> Policy:
    if policy is None:
        return Policy.builtin(default)
    if isinstance(policy, Policy):
        return policy
    return Policy.load(policy)


def builtins() -> Tuple[Builtin, ...]:
    """The built-in policies, each with its ``name`` and ``title``."""
    return tuple(Builtin(b) for b in json.loads(_native.builtins()))


def check_text(text: str, name: str = "policy.onus") -> Tuple[Diagnostic, ...]:
    """``onus check`` of a policy's text, which need not load (an editor's
    buffer, a draft): every error, a ``not-analysed`` note for each zone a
    broken rule leaves out, and every finding of the other zones, each
    with its witness. Never raises for the text's own errors."""
    return tuple(Diagnostic.from_json(d) for d in json.loads(_native.check_text(text, name)))


def schema(name: str) -> Dict[str, Any]:
    """The JSON Schema of a CLI output, by name (:func:`schema_names`)."""
    text = _native.schema(name)
    if text is None:
        raise KeyError(f"no schema {name!r}: the schemas are {', '.join(schema_names())}")
    return json.loads(text)


def schema_names() -> Tuple[str, ...]:
    """The names of the JSON Schemas ``onus schema`` prints."""
    return tuple(_native.schema_names())


def test(paths: Union[PathLike, Sequence[PathLike]]) -> Record:
    """Runs the tests of policy and test files or folders (``onus test``)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return Record(json.loads(_native.test_files([os.fspath(p) for p in paths])))


def estate(
    inventory: Union[PathLike, Sequence[PathLike], Iterable[Mapping[str, Any]]],
    policy: Union[Policy, str, None] = None,
    *,
    maps: Sequence[str] = (),
    input_format: str = "auto",
) -> Record:
    """Every resource of an inventory through the policy's resource maps
    (``onus estate``). Given inventory files (Terraform plans and states,
    AWS Config, Azure, Cloud Asset Inventory, CloudFormation), the record of
    ``estate --format json``: ``resources`` and ``summary``; with no policy,
    each resource goes to the built-in policy whose map knows its type, as
    ``onus estate FILE`` routes it. Given resource records (mappings with a
    ``type`` or ``resourceType`` and an address), ``resources`` are the
    records of ``estate --input-format ndjson --format ndjson`` (``azure``
    when no policy is named, as that command needs one) and ``summary``
    their counts. Routed, the record is the CLI's too: ``inventories``,
    ``estates`` (one per policy, each with its ``resources`` and
    ``summary``), ``unmapped``."""
    if isinstance(inventory, (str, os.PathLike)):
        inventory = [inventory]
    if (
        isinstance(inventory, (list, tuple))
        and inventory
        and all(isinstance(p, (str, os.PathLike)) for p in inventory)
    ):
        paths = [os.fspath(p) for p in inventory]
        if policy is None:
            text = _native.estate_routed(paths, list(maps), input_format)
        else:
            text = _native.estate(_policy(policy, "azure")._native, paths, list(maps), input_format)
        return Record(json.loads(text))
    chosen = _policy(policy, "azure")
    counts = {"resources": 0, "mapped": 0, "conflicts": 0, "errors": 0}
    resources: List[Dict[str, Any]] = []
    for records, summary in _estate_chunks(inventory, chosen, maps, 4096, _plain):
        resources.extend(records)
        for key, value in summary.items():
            counts[key] += value
    return Record({"policy": chosen.name, "resources": resources, "summary": counts})


def estate_stream(
    records: Iterable[Mapping[str, Any]],
    policy: Union[Policy, str, None] = None,
    *,
    maps: Sequence[str] = (),
    chunk_size: int = 4096,
) -> Iterator[Record]:
    """Resource records in, ``estate --format ndjson`` records out, lazily,
    in bounded memory, for inventories larger than memory (``azure`` when
    no policy is named). A record that is no resource gives ``{"line",
    "error"}``, ``line`` its 1-based position among ``records``."""
    chosen = _policy(policy, "azure")
    for chunk, _ in _estate_chunks(records, chosen, maps, chunk_size, _plain):
        yield from (Record(r) for r in chunk)


def estate_batches(
    batches: Iterable[Any],
    policy: Union[Policy, str, None] = None,
    *,
    maps: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> Iterator[Any]:
    """Arrow batches of resources in, Arrow batches of estate records out:
    the function Spark's ``mapInArrow`` runs (wrap it in
    ``functools.partial`` to name the policy, by name or as a ``Policy``).
    Each input row is a resource (``type`` or ``resourceType``, and
    ``address``, ``id``, ``arn``, ``ARN``, ``resourceId`` or ``name``; null
    columns are left out, other columns ride along, values JSON cannot
    write, such as timestamps, as text). Each output row has the ``keep``
    columns, copied, then ``record``: the ``estate --format ndjson`` record
    of that resource as JSON text, whose ``line``, in an error record, is
    the row's 1-based position in its batch (keep an id column to find
    it). One row out per row in, in order; the Spark schema is the kept
    columns' then ``record string``."""
    import pyarrow as pa

    chosen = _policy(policy, "azure")
    for batch in batches:
        rows = batch.to_pylist()
        resources = [{k: v for k, v in row.items() if v is not None} for row in rows]
        records = [
            json.dumps(record, ensure_ascii=False)
            for chunk, _ in _estate_chunks(resources, chosen, maps, len(rows) or 1, str)
            for record in chunk
        ]
        columns = [batch.column(name) for name in keep]
        columns.append(pa.array(records, type=pa.string()))
        yield pa.RecordBatch.from_arrays(columns, names=[*keep, "record"])


def _estate_chunks(
    records: Iterable[Mapping[str, Any]],
    policy: Policy,
    maps: Sequence[str],
    size: int,
    default: Any,
) -> Iterator[Tuple[List[Dict[str, Any]], Dict[str, int]]]:
    """The NDJSON estate stream over ``records``, ``size`` at a time: each
    chunk's records (an error record's ``line`` counted from the first of
    ``records``) and counts. ``default`` writes what JSON cannot."""
    for read, data in _ndjson_chunks(records, size, default):
        answered, resources, mapped, conflicts, errors = _native.estate_stream(
            policy._native, list(maps), data
        )
        parsed = [json.loads(line) for line in answered.splitlines()]
        # An error record's line counts from the first record, not the chunk.
        for record in parsed:
            if "line" in record:
                record["line"] += read
        yield parsed, {
            "resources": resources,
            "mapped": mapped,
            "conflicts": conflicts,
            "errors": errors,
        }
