"""A company's configuration: one folder that says what Planline needs to know of a company.

    <company folder>/
        company.yaml          who the company is: time zone, calendar, roles of its codes, planning settings
        sources/<name>.yaml   one source mapping per source (data_contracts.company.mapping)

``company.yaml`` keys (all optional but ``name``; the defaults are documented in docs/company.md):

- ``business_timezone``: the IANA zone business days are counted in.
- ``as_of``: a fixed "now" (a date: the end of that business day) for data that is a snapshot
  (the demo company, a public data set); without it, the clock.
- ``partitions_start``, ``calendar: {start, end}``: the first daily partition, the warehouse's calendar.
- ``planning``: horizons, service targets, default lead time, review period, costs.
- ``channels``, ``location_types``, ``units``, ``code_systems``, ``segments``: the company's codes
  and the Planline role each plays (``channel_role``...), so that models and planning code name
  roles, never a company's codes.
- ``families``: the product families, when the company wants item families checked against a list.
- ``holidays``: the company's calendar, ``[{date, name, stores_closed}]``: its public holidays and
  the days its stores are closed (dim_date flags them, the forecast learns from them).
- ``history: {spread}``: how the sales history's week and month rows reach daily planning
  (HISTORY_SPREADS); whatever it says, they feed the monthly S&OP history.

``load_company`` reads and checks everything (the YAML, every key, every mapping against the data
contracts) before anything is read from the landing folder or written anywhere: a problem is a
``CompanyConfigError`` naming the file and the key.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from data_contracts.company.mapping import SourceMapping, check_zone

COMPANY_FILE = "company.yaml"
SOURCES_FOLDER = "sources"

ChannelRole = Literal["store", "online", "marketplace", "wholesale"]
LocationRole = Literal["plant", "warehouse", "store", "virtual"]
UnitRole = Literal["base", "case", "store_pack", "bundle", "other"]
CodeRole = Literal["item_master", "warehouse", "point_of_sale", "marketplace", "other"]


class CompanyConfigError(ValueError):
    """The company configuration cannot be used: each problem names the file and the key."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        super().__init__(f"company configuration: {count}:\n  " + "\n  ".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Calendar(_Strict):
    start: date = date(2020, 1, 1)
    end: date = date(2030, 12, 31)

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class Planning(_Strict):
    """Planning settings where the data says nothing (units: days, shares, the company's currency)."""

    forecast_horizon_days: int = Field(28, ge=1, le=366)
    sop_horizon_months: int = Field(18, ge=1, le=60)
    cycle_service_level: float = Field(0.95, gt=0, lt=1)
    fill_rate: float = Field(0.97, gt=0, lt=1)
    # the lead time of a lane the data gives no lead time for (no supplier's, no history)
    default_lead_time_days: float = Field(7.0, gt=0, le=730)
    # unset: Planline's defaults per location role (dbt seed replenishment_settings); set: every lane's
    default_review_period_days: int | None = Field(None, ge=1, le=365)
    order_cost: float | None = Field(None, ge=0)
    annual_holding_rate: float | None = Field(None, ge=0, le=5)


# How the sales history's week and month rows (data_contracts.sources.history, field period)
# reach daily planning. Whatever the setting, every period counts in the monthly S&OP history
# (a week across two months split by its days). Day rows are daily demand either way.
HISTORY_SPREADS = {
    "none": "period rows feed the monthly S&OP history only, not the daily demand the forecast and the plan read",
    "even": "each period row is also daily demand, spread evenly over its days (a week: 7 days of a seventh each)",
}


class History(_Strict):
    """The sales history's periods (company.yaml ``history``)."""

    spread: Literal["none", "even"] = "none"

    @field_validator("spread", mode="before")
    @classmethod
    def _spread(cls, value: object) -> object:
        if value not in HISTORY_SPREADS:
            ways = "; ".join(f"{name}: {what}" for name, what in HISTORY_SPREADS.items())
            raise ValueError(f"{value!r} is not a way to spread week and month rows to days ({ways})")
        return value


class Channel(_Strict):
    code: str
    name: str = ""
    role: ChannelRole
    # where its orders ship from, in words the cockpit shows (STORE, DC, DC_OR_STORE...)
    fulfilled_from: str = ""
    description: str = ""


# The echelon of a location role unless the company says otherwise: plants feed warehouses, which feed stores.
ROLE_ECHELONS = {"plant": 0, "warehouse": 1, "store": 2, "virtual": 2}


class LocationType(_Strict):
    code: str
    role: LocationRole
    echelon: int | None = Field(None, ge=0, le=9)

    @property
    def level(self) -> int:
        return self.echelon if self.echelon is not None else ROLE_ECHELONS[self.role]


class Unit(_Strict):
    code: str
    role: UnitRole = "other"
    # base units in one of this unit, for every item, where master data gives no conversion
    factor: float | None = Field(None, gt=0)


class CodeSystem(_Strict):
    code: str
    role: CodeRole


class Segment(_Strict):
    code: str
    allocation_priority: int = Field(ge=1)
    cycle_service_level: float = Field(gt=0, lt=1)
    fill_rate: float = Field(gt=0, lt=1)


# the type, for a model whose field is called date
_Date = date


class Holiday(_Strict):
    date: _Date
    name: str
    # no store sales that day
    stores_closed: bool = False


def _once(keys: list, what: str, hint: str = "") -> None:
    """Refuse a list whose keys repeat, naming them."""
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"{what} listed twice: {', '.join(str(k) for k in twice)}{hint}")


class Company(_Strict):
    name: str
    business_timezone: str = "UTC"
    as_of: datetime | date | None = None
    partitions_start: date | None = None
    calendar: Calendar = Calendar()
    planning: Planning = Planning()
    channels: list[Channel] = Field(default_factory=list)
    location_types: list[LocationType] = Field(default_factory=list)
    units: list[Unit] = Field(default_factory=list)
    code_systems: list[CodeSystem] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)
    families: list[str] | None = None
    holidays: list[Holiday] = Field(default_factory=list)
    history: History = History()

    @field_validator("business_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)

    @field_validator("channels", "location_types", "units", "code_systems", "segments")
    @classmethod
    def _codes_once(cls, items: list, info) -> list:
        _once([item.code for item in items], info.field_name.replace("_", " "))
        return items

    @field_validator("holidays")
    @classmethod
    def _days_once(cls, holidays: list[Holiday]) -> list[Holiday]:
        _once([h.date for h in holidays], "holidays", " (one name per day)")
        return holidays


class CompanyConfiguration(BaseModel):
    """A company folder, read and checked: the company and its source mappings by table."""

    model_config = ConfigDict(frozen=True)

    folder: Path
    company: Company
    mappings: dict[str, SourceMapping]
    mapping_files: dict[str, Path]


def _where(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def pydantic_problems(error: ValidationError, label: str) -> list[str]:
    """One line per problem: ``file: key.path: what is wrong``."""
    problems = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (a typo? see docs/company.md for the keys)"
        elif item["type"] == "missing":
            message = "required key is missing"
        problems.append(f"{label}: {_where(item['loc'])}: {message}")
    return problems


def read_yaml(path: Path) -> tuple[object, list[str]]:
    """The YAML document of ``path`` and the problems reading it (a file that is not YAML names its line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return None, [f"{path}: cannot be read ({error.strerror or error})"]
    except UnicodeDecodeError as error:
        return None, [f"{path}: not UTF-8 text (byte {error.start})"]
    try:
        return yaml.safe_load(text), []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return None, [f"{path}: not valid YAML{where}: {getattr(error, 'problem', None) or error}"]


def _model(path: Path, model: type[BaseModel], problems: list[str]):
    document, read_problems = read_yaml(path)
    problems += read_problems
    if read_problems:
        return None
    if not isinstance(document, dict):
        problems.append(f"{path}: expected a mapping of keys to values, found {type(document).__name__}")
        return None
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems += pydantic_problems(error, str(path))
        return None


def load_company(folder: Path | str, contracts: dict | None = None) -> CompanyConfiguration:
    """Read and check a company folder; raises CompanyConfigError listing every problem.

    Args:
        contracts: the data contracts mappings fill ({table: Contract}); default: all of Planline's.
    """
    from data_contracts.company.checks import check_mapping

    folder = Path(folder)
    if contracts is None:
        from data_contracts.registry import CONTRACTS as contracts
    problems: list[str] = []
    company_path = folder / COMPANY_FILE
    if not company_path.is_file():
        raise CompanyConfigError(
            [f"{company_path}: no company configuration here (PLANLINE_COMPANY={folder}); create one with `python -m orchestration.company scaffold {folder}`"]
        )
    company = _model(company_path, Company, problems)
    mappings: dict[str, SourceMapping] = {}
    mapping_files: dict[str, Path] = {}
    sources = folder / SOURCES_FOLDER
    for path in sorted(sources.glob("*.yaml")) + sorted(sources.glob("*.yml")) if sources.is_dir() else []:
        mapping = _model(path, SourceMapping, problems)
        if mapping is None:
            continue
        if mapping.table in mappings:
            problems.append(f"{path}: table: {mapping.table} is already filled by {mapping_files[mapping.table]} (one mapping per table)")
            continue
        problems += check_mapping(mapping, contracts, str(path), company)
        mappings[mapping.table] = mapping
        mapping_files[mapping.table] = path
    if problems:
        raise CompanyConfigError(problems)
    return CompanyConfiguration(folder=folder, company=company, mappings=mappings, mapping_files=mapping_files)
