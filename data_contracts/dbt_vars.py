"""The vars of ``dbt_project.yml`` as dbt sees them, for Python that must agree with the models
(the contracts' calendar, the settings check). Reading them has no side effect."""

from __future__ import annotations

import os
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


def dbt_var(name: str, environ: Mapping[str, str] = os.environ) -> str:
    """A var of ``dbt_project.yml`` as dbt sees it (the contracts and dbt read the same value): the
    environment variable it names when set and not empty, else its default."""
    variables = _dbt_vars()
    if name not in variables:
        raise KeyError(f"{DBT_PROJECT_FILE}: no var {name!r}")
    value = str(variables[name]).strip()
    from_environment = _ENV_VAR.match(value)
    if from_environment:
        variable, default = from_environment.groups()
        return environ.get(variable) or default
    return value
