"""MLflow tracking of forecast trainings: the run, its backtest, the registry and the champion gate.

A training is one MLflow run: its parameters, the backtest's headline metrics, the backtest
tables (every forecast by group) and plots as artifacts, and the fitted forecaster logged as a
pyfunc model and registered. The registered version carries its backtest WRMSSE as a tag; a
challenger takes the ``champion`` alias only when its WRMSSE is lower than the champion's.

Tracking is local by default (a sqlite store, which the registry needs); ``MLFLOW_TRACKING_URI``
points elsewhere. MLflow is imported where it is used (it takes seconds).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ml.forecasting.backtest import is_quantile_column

CHAMPION = "champion"
WRMSSE_TAG = "backtest_wrmsse"
HORIZON_TAG = "horizon_days"


@dataclass(frozen=True)
class TrackingStore:
    """Where runs and models go: a tracking URI, and for a local store the artifacts' folder
    (MLflow would otherwise write them under the working directory)."""

    uri: str
    artifact_root: Path | None = None

    def experiment_id(self, name: str) -> str:
        """The experiment's id, created on first use (its artifacts under ``artifact_root``)."""
        import mlflow

        client = mlflow.MlflowClient(self.uri)
        found = client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = (self.artifact_root / name).resolve().as_uri() if self.artifact_root else None
        return client.create_experiment(name, artifact_location=location)


@contextmanager
def tracking_at(uri: str) -> Iterator[None]:
    """MLflow's fluent API pointed at ``uri`` for the block, then back as it was:
    ``mlflow.set_tracking_uri`` also sets MLFLOW_TRACKING_URI in the environment, which would
    make every later ``tracking_store`` of the process use this store (without its artifacts
    folder: a test's artifacts landed in ./mlruns)."""
    import mlflow

    before = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(before)


def tracking_store(mlflow_dir: Path) -> TrackingStore:
    """``MLFLOW_TRACKING_URI`` when set, else a sqlite store (the registry needs a database) and
    an artifacts folder in ``mlflow_dir``."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return TrackingStore(os.environ["MLFLOW_TRACKING_URI"])
    mlflow_dir.mkdir(parents=True, exist_ok=True)
    return TrackingStore(f"sqlite:///{mlflow_dir.resolve() / 'mlflow.db'}", mlflow_dir / "artifacts")


def _pyfunc_model(forecaster):
    import mlflow.pyfunc

    class ForecasterModel(mlflow.pyfunc.PythonModel):
        """The fitted forecaster: ``predict`` takes the future inputs and returns the forecast."""

        def __init__(self, fitted):
            self.fitted = fitted

        def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
            return self.fitted.predict(model_input)

    return ForecasterModel(forecaster)


def run_url(experiment_id: str, run_id: str, ui_base: str = "http://127.0.0.1:5000") -> str:
    """A run's page in the MLflow UI."""
    return f"{ui_base.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


@dataclass(frozen=True)
class TrainingRun:
    """What a logged training produced."""

    run_id: str
    experiment_id: str
    model_name: str
    model_version: str
    wrmsse: float

    def url(self, ui_base: str = "http://127.0.0.1:5000") -> str:
        return run_url(self.experiment_id, self.run_id, ui_base)


@dataclass(frozen=True)
class ChampionModel:
    """The registered version holding the champion alias, loaded.

    Attributes:
        forecaster: the fitted forecaster (``predict(future, history=...)``).
        metrics: the training run's metrics (``<forecast>.<metric>``, ``backtest_wrmsse``).
    """

    forecaster: object
    model_name: str
    version: str
    run_id: str
    experiment_id: str
    wrmsse: float
    metrics: dict[str, float]

    def url(self, ui_base: str = "http://127.0.0.1:5000") -> str:
        return run_url(self.experiment_id, self.run_id, ui_base)


def log_training(
    forecaster,
    *,
    store: TrackingStore,
    experiment: str,
    model_name: str,
    params: dict,
    scores: pd.DataFrame,
    backtest: pd.DataFrame,
    forecast_column: str,
    pip_requirements: list[str] | None = None,
) -> TrainingRun:
    """Log a training: ``scores`` from ``backtest.score``, ``backtest`` from ``run_backtest``;
    ``forecast_column`` is the forecast the model stands for (its WRMSSE decides the gate)."""
    import mlflow

    overall = scores[scores.group == "all"].set_index("forecast")
    if forecast_column not in overall.index:
        raise ValueError(f"no overall score for {forecast_column!r}: scored forecasts are {sorted(overall.index)}")
    wrmsse = float(overall.loc[forecast_column, "wrmsse"])
    with tracking_at(store.uri), mlflow.start_run(experiment_id=store.experiment_id(experiment)) as run:
        mlflow.log_params(params)
        for forecast, row in overall.iterrows():
            mlflow.log_metrics(
                {f"{forecast}.{m}": float(v) for m, v in row.items() if m in ("wape", "bias", "mase", "rmsse", "wrmsse", "pinball", "coverage") and pd.notna(v)}
            )
        mlflow.log_metric("backtest_wrmsse", wrmsse)
        mlflow.log_table(scores, "backtest/scores_by_group.json")
        mlflow.log_figure(_forecast_vs_actual(backtest), "plots/forecast_vs_actual.png")
        if "demand_class" in set(scores.group):
            mlflow.log_figure(_error_by_class(scores), "plots/wrmsse_by_demand_class.png")
        info = mlflow.pyfunc.log_model(
            name="forecaster", python_model=_pyfunc_model(forecaster), pip_requirements=pip_requirements or [], registered_model_name=model_name
        )
    version = str(info.registered_model_version)
    client = mlflow.MlflowClient(store.uri)
    client.set_model_version_tag(model_name, version, WRMSSE_TAG, f"{wrmsse:.6f}")
    if "horizon" in params:
        client.set_model_version_tag(model_name, version, HORIZON_TAG, str(params["horizon"]))
    return TrainingRun(run.info.run_id, run.info.experiment_id, model_name, version, wrmsse)


@dataclass(frozen=True)
class GateDecision:
    """Whether a challenger became champion, and why."""

    promoted: bool
    challenger_version: str
    challenger_wrmsse: float
    champion_version: str | None
    champion_wrmsse: float | None
    champion_horizon_differs: bool = False

    @property
    def reason(self) -> str:
        if self.champion_version is None:
            return f"no champion yet: version {self.challenger_version} (WRMSSE {self.challenger_wrmsse:.4f}) becomes champion"
        if self.champion_horizon_differs:
            return (
                f"champion version {self.champion_version} forecasts another horizon than the panel's: "
                f"version {self.challenger_version} (WRMSSE {self.challenger_wrmsse:.4f}) replaces it"
            )
        verdict = "beats" if self.promoted else "does not beat"
        return f"version {self.challenger_version} (WRMSSE {self.challenger_wrmsse:.4f}) {verdict} champion version {self.champion_version} (WRMSSE {self.champion_wrmsse:.4f})"


def champion(store: TrackingStore, model_name: str) -> tuple[str, float] | None:
    """The champion's version and backtest WRMSSE, or None before the first promotion."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient(store.uri)
    try:
        version = client.get_model_version_by_alias(model_name, CHAMPION)
    except MlflowException:
        return None
    return str(version.version), float(version.tags[WRMSSE_TAG])


def load_champion(store: TrackingStore, model_name: str) -> ChampionModel | None:
    """The champion version's forecaster and its training's metrics, or None before the first promotion."""
    import mlflow

    current = champion(store, model_name)
    if current is None:
        return None
    version, wrmsse = current
    client = mlflow.MlflowClient(store.uri)
    registered = client.get_model_version(model_name, version)
    run = client.get_run(registered.run_id)
    with tracking_at(store.uri):
        model = mlflow.pyfunc.load_model(f"models:/{model_name}/{version}")  # the version read above, even if the alias moves meanwhile
    return ChampionModel(model.unwrap_python_model().fitted, model_name, version, run.info.run_id, run.info.experiment_id, wrmsse, dict(run.data.metrics))


def promote_if_better(store: TrackingStore, training: TrainingRun, horizon: int | None = None) -> GateDecision:
    """Give ``training``'s version the champion alias if its WRMSSE is lower than the champion's,
    or if the champion forecasts another ``horizon`` (days) than the challenger (the panel's
    horizon changed: the champion could no longer serve it, whatever its score)."""
    import mlflow

    client = mlflow.MlflowClient(store.uri)
    current = champion(store, training.model_name)
    horizon_differs = False
    if current is not None and horizon is not None:
        held = client.get_model_version(training.model_name, current[0]).tags.get(HORIZON_TAG)
        horizon_differs = held is not None and int(held) != horizon
    promoted = current is None or horizon_differs or training.wrmsse < current[1]
    if promoted:
        client.set_registered_model_alias(training.model_name, CHAMPION, training.model_version)
    return GateDecision(promoted, training.model_version, training.wrmsse, *(current or (None, None)), champion_horizon_differs=horizon_differs)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files, not windows
    import matplotlib.pyplot as plt

    return plt


def _forecast_vs_actual(backtest: pd.DataFrame):
    plt = _pyplot()
    columns = [c for c in backtest.columns if c not in ("unique_id", "ds", "origin") and not is_quantile_column(c)]
    daily = backtest.groupby("ds")[columns].sum()
    figure, axis = plt.subplots(figsize=(10, 4))
    for column in columns:
        axis.plot(daily.index, daily[column], label=column, linewidth=2.2 if column == "y" else 1.2, color="black" if column == "y" else None)
    axis.set_title("Backtest: total units per day, actual (y) and forecasts")
    axis.set_ylabel("units")
    axis.legend(loc="upper left", fontsize=8)
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def _error_by_class(scores: pd.DataFrame):
    plt = _pyplot()
    table = scores[(scores.group == "demand_class") & ~scores.forecast.map(is_quantile_column)].pivot(index="value", columns="forecast", values="wrmsse")
    figure, axis = plt.subplots(figsize=(8, 4))
    table.plot.bar(ax=axis)
    axis.set_title("Backtest WRMSSE by demand class (lower is better)")
    axis.set_xlabel("")
    axis.tick_params(axis="x", rotation=0)
    figure.tight_layout()
    return figure
