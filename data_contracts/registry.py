"""All contracts, collected from the modules of ``data_contracts/sources/``, master data first.

A source is added by writing its contract in a module of ``data_contracts/sources/`` and exporting
it in one of the stage tuples below (``TRANSACTIONS = (RETURNS,)``): nothing else names it. The
order matters: a contract looks up the rows of the sources it depends on that passed their own
contract (``VALID(source)`` in its SQL, ``depends_on``), so those are validated before it. The
order is stage by stage (STAGES), within a stage module by module (by name), within a module as
its tuple lists them; a contract that reads a source validated after it, or one no contract
declares, stops the import with an error naming both. A module also lists, in ``EVENT_STREAMS``,
those of its sources whose rows are events: the live service takes them over HTTP (``EVENT_SOURCES``).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

from data_contracts import sources
from data_contracts.model import Contract

# The tuples a sources module exports, in validation order, and what belongs in each.
STAGES: dict[str, str] = {
    "MASTER_DATA": "the tables other contracts look up (items, locations, units, suppliers, period codes): validated first",
    "HISTORY": "the demand's record and calendar (sales history, calendar events), checked against master data",
    "TRANSACTIONS": "orders, movements, stock and sales as systems record them, checked against master data and earlier transactions",
    "PLANNER_INPUTS": "people's inputs (overrides), checked against everything before them",
}

# Tables a contract's SQL reads besides its own raw rows: VALID(source) lookups and raw.<source>.
_READS = re.compile(r"\bVALID\((\w+)\)|\braw\.(\w+)")


def _modules() -> list[ModuleType]:
    """Every module of data_contracts/sources/, by name."""
    names = sorted(info.name for info in pkgutil.iter_modules(sources.__path__))
    return [importlib.import_module(f"{sources.__name__}.{name}") for name in names]


def _module_file(module: ModuleType) -> str:
    return f"data_contracts/sources/{module.__name__.rsplit('.', 1)[-1]}.py"


def tables_read(contract: Contract) -> set[str]:
    """The other sources a contract's SQL reads (derived columns, joins, parameters, rules)."""
    sql = " ".join([*contract.derived.values(), *contract.joins, *contract.parameters.values(), *(r.sql or "" for r in contract.rules)])
    return {name for match in _READS.findall(sql) for name in match if name and name != contract.source}


def collect(modules: list[ModuleType]) -> dict[str, tuple[Contract, str]]:
    """The contracts ``modules`` export in their stage tuples, in validation order (see the module
    docstring), each with the file exporting it; raises ValueError naming the file and contract of
    any inconsistency."""
    placed: dict[str, tuple[Contract, str]] = {}  # source -> (contract, file exporting it)
    for stage in STAGES:
        for module in modules:
            for contract in getattr(module, stage, ()):
                file = _module_file(module)
                if not isinstance(contract, Contract):
                    raise ValueError(f"{file}: {stage} holds {contract!r}, not a Contract")
                if contract.source in placed:
                    raise ValueError(f"{file}: source {contract.source!r} is exported twice (also by {placed[contract.source][1]})")
                placed[contract.source] = (contract, file)
    exported = {id(contract) for contract, _ in placed.values()}
    for module in modules:  # a contract written but in no stage tuple would silently never load
        for name, value in vars(module).items():
            if isinstance(value, Contract) and id(value) not in exported:
                raise ValueError(f"{_module_file(module)}: contract {name} ({value.source}) is in no stage tuple: export it in one of {', '.join(STAGES)}")
    order = list(placed)
    for position, (source, (contract, file)) in enumerate(placed.items()):
        undeclared = tables_read(contract) - set(contract.depends_on)
        if undeclared:
            raise ValueError(f"{file}: contract {source!r} reads {', '.join(sorted(undeclared))} without naming it in depends_on")
        for dependency in contract.depends_on:
            if dependency not in placed:
                raise ValueError(f"{file}: contract {source!r} looks up {dependency!r}, which no contract in data_contracts/sources/ exports")
            if order.index(dependency) > position:
                raise ValueError(
                    f"{file}: contract {source!r} looks up {dependency!r} ({placed[dependency][1]}), validated after it: "
                    f"export {dependency!r} in an earlier stage ({', '.join(STAGES)}) or {source!r} in a later one"
                )
    return placed


_MODULES = _modules()
_COLLECTED = collect(_MODULES)
CONTRACTS: dict[str, Contract] = {source: contract for source, (contract, _) in _COLLECTED.items()}
# The sources whose rows are events a system can send as they happen (a module's EVENT_STREAMS
# tuple, beside its stages): the live service takes them over HTTP (docs/service.md).
EVENT_SOURCES: tuple[str, ...] = tuple(contract.source for module in _MODULES for contract in getattr(module, "EVENT_STREAMS", ()))
# The file of data_contracts/sources/ each contract is exported by: where a message sends a reader.
CONTRACT_FILES: dict[str, str] = {source: file for source, (_, file) in _COLLECTED.items()}


def contract_for(source: str) -> Contract:
    try:
        return CONTRACTS[source]
    except KeyError:
        raise KeyError(f"no data contract for source {source!r}; known: {', '.join(CONTRACTS)}") from None
