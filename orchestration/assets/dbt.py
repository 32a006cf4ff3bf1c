"""Moved to ``orchestration.dbt_project`` (``python -m orchestration.dbt_project``); kept for one session's scripts."""

from orchestration.dbt_project import parse_project

if __name__ == "__main__":
    print(parse_project())
