"""dbt for Planline's processes: the project (cached), the CLI resource, `dbt parse`.

Plain setup, no asset: the code location's dbt assets (``orchestration/defs/dbt``) and every
entry point that starts dbt (``make dbt-parse``: ``python -m orchestration.dbt_project``, the
demo, the tests) share it.
"""

import importlib.metadata
import os
import shutil
import sys
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache, cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration.settings import REPO_ROOT, Settings, load_settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


@cache
def planline_dbt_project() -> DbtProject:
    """The dbt project (one object per process: its manifest path and state are shared)."""
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


@contextmanager
def process_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """``variables`` in this process's environment for a block, then as they were: for the dbt
    process started in the block (dagster-dbt gives it this process's environment, and reads
    DBT_TARGET_PATH from it for its run folders). Only while a step starts dbt, never at import."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class PlanlineDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, with the settings dbt reads (``environment``: the warehouse path,
    the business time zone, the calendar, the horizons, dbt's state folder) given to each dbt
    process it starts, and without the two start-up costs it pays at every step and these
    assets do not need: asking the dbt executable its version, and an in-process dbt adapter.

    dagster-dbt runs `dbt --version` in a subprocess once per resource instance, i.e. per step:
    about 6 s here, more than a day's incremental models take. The installed dbt-core is the one
    the executable runs (same environment), so its package version answers.
    """

    environment: dict[str, str] = {}  # Settings.dbt_environment()

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        """No in-process dbt adapter: dagster-dbt builds one at every step (loading every macro of
        the project, about 4 s here) only for ``fetch_row_counts`` and ``fetch_column_metadata``,
        which these assets do not call; dbt itself runs in its own process."""
        return None

    def cli(self, args, **kwargs):
        """dagster-dbt's ``cli`` (the process starts within it), with the settings' environment.
        dagster-dbt has no parameter for a process's environment: it copies this process's."""
        with process_environment(self.environment):
            return super().cli(args, **kwargs)


def dbt_resource(settings: Settings | None = None) -> PlanlineDbtCliResource:
    """The dbt resource of ``settings`` (default: loaded now)."""
    settings = settings or load_settings()
    return PlanlineDbtCliResource(project_dir=planline_dbt_project(), dbt_executable=DBT_EXECUTABLE, environment=settings.dbt_environment())


def parse_project(update_manifest: bool = True, settings: Settings | None = None) -> Path:
    """`dbt parse` with the environment runs use, into the dbt state folder runs start from.

    dbt re-parses the whole project (seconds per dbt step) when the profile (the warehouse path)
    differs from the one its partial-parse state was made with; every dbt step copies the state
    folder's ``partial_parse.msgpack``, so priming it once makes every step parse partially. With
    ``update_manifest`` the manifest the definitions load is refreshed too (``make dbt-parse``).
    """
    settings = settings or load_settings()
    state = settings.dbt_state
    state.mkdir(parents=True, exist_ok=True)
    dbt_resource(settings).cli(["parse", "--quiet"], target_path=state).wait()
    if update_manifest:
        planline_dbt_project().manifest_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(state / "manifest.json", planline_dbt_project().manifest_path)
    return planline_dbt_project().manifest_path


class ManifestMissingError(FileNotFoundError):
    """The code location needs dbt's manifest, which only ``make dbt-parse`` writes."""


class StaleManifestWarning(UserWarning):
    """A file of the dbt project changed after the manifest the code location loads was written."""


# what dbt parses into the manifest (target/ and logs/ are its output)
_PARSED_PATHS = ("models", "seeds", "macros", "tests", "dbt_project.yml")


def changed_since(manifest: Path, project_dir: Path = DBT_PROJECT_DIR) -> list[Path]:
    """The dbt project's files changed after ``manifest`` was written, oldest first (empty when none)."""
    written = manifest.stat().st_mtime
    files = (path for part in _PARSED_PATHS for path in ([project_dir / part] if part.endswith(".yml") else (project_dir / part).rglob("*")))
    return sorted((path for path in files if path.is_file() and path.stat().st_mtime > written), key=lambda path: path.stat().st_mtime)


def ensure_manifest(manifest: Path | None = None, project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """The dbt manifest the assets are made from. The code location never runs dbt: it is parsed
    by ``make dbt-parse`` (``python -m orchestration.dbt_project``), which ``make ui``, ``make demo``
    and ``make test`` run first; after a change of the dbt project, run it again and reload."""
    manifest = manifest or planline_dbt_project().manifest_path
    if not manifest.exists():
        raise ManifestMissingError(
            f"the dbt manifest {manifest} is missing: run `make dbt-parse` (python -m orchestration.dbt_project) before loading Planline's code location"
        )
    if changed := changed_since(manifest, project_dir):
        # a warning, not an error: the code location still loads, with the graph of the last parse
        warnings.warn(
            f"{len(changed)} file(s) of the dbt project changed after its manifest was written (the newest: "
            f"{changed[-1].relative_to(project_dir.parent)}): the asset graph is the last parse's; run `make dbt-parse` "
            "(python -m orchestration.dbt_project) and reload",
            StaleManifestWarning,
            stacklevel=2,
        )
    return manifest


if __name__ == "__main__":  # make dbt-parse
    print(parse_project())
