"""The vars of ``dbt_project.yml`` as dbt sees them, for Python that must agree with the models
(the contracts' calendar, the settings). Reading them has no side effect.

Planline runs dbt with its settings in the environment (``Settings.dbt_environment``): a var that
reads a PLANLINE_* variable takes the variable when it is set, else the company configuration's
value (``company.yaml``), else the default ``dbt_project.yml`` writes. ``dbt_var(name)`` resolves
a var that way; ``dbt_var(name, environ)`` as dbt would in exactly that environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

DBT_PROJECT_FILE = Path(__file__).resolve().parent.parent / "dbt_project" / "dbt_project.yml"


# A var dbt takes from the environment: "{{ env_var('PLANLINE_X', 'default') }}"
_ENV_VAR = re.compile(r"""^\{\{\s*env_var\(\s*'(\w+)'\s*,\s*'([^']*)'\s*\)\s*\}\}$""")


@cache
def _dbt_vars() -> dict:
    import yaml

    return yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8")).get("vars") or {}


def _value(name: str) -> str:
    variables = _dbt_vars()
    if name not in variables:
        raise KeyError(f"{DBT_PROJECT_FILE}: no var {name!r}")
    return str(variables[name]).strip()


def dbt_env_var(name: str) -> tuple[str, str] | None:
    """The environment variable a var of ``dbt_project.yml`` reads and its default there, or None
    for a var the file writes as a value."""
    found = _ENV_VAR.match(_value(name))
    return (found.group(1), found.group(2)) if found else None


def dbt_var(name: str, environ: Mapping[str, str] | None = None) -> str:
    """A var of ``dbt_project.yml`` as dbt sees it (the contracts and dbt read the same value): the
    environment variable it names when set and not empty, else its default. Without ``environ``,
    the environment Planline runs dbt with: the variables set, else the company configuration's
    values (``orchestration.settings.planline_environment``)."""
    if environ is None:
        from orchestration.settings import planline_environment  # lazy: the settings read the vars' defaults here

        environ = planline_environment()
    from_environment = dbt_env_var(name)
    if from_environment:
        variable, default = from_environment
        return environ.get(variable) or default
    return _value(name)
