"""Forecasting assets: the weekly training through the champion gate, and the daily forecast.

- ``forecasting/demand_model`` (with ``backtest_forecasts`` and ``backtest_scores``): backtest the
  global model and the baselines over rolling origins, fit the model on all history, log the
  training to MLflow and register the model. Its ``champion_gate`` check gives the version the
  ``champion`` alias only when its backtest WRMSSE beats the champion's.
- ``forecasting/demand_forecast``: the champion's forecast (mean, P50, P90) for the next
  horizon days of every series, from the latest history without refitting. Every origin is kept
  (one row per origin, series and day), so that forecast value added can be measured once the
  actuals arrive; the consensus forecast (dbt) reads the latest origin.

The logic lives in ``ml.forecasting``; these assets read the panel, call it and write tables.

A company whose panel holds no series (its sales history is weekly or monthly and company.yaml
``history.spread`` is ``none``: the monthly S&OP cycle reads it, daily planning has nothing) gets
no model and an empty forecast, not a failure: both assets say why in the run's log and in their
metadata (``no_daily_series``), and leave the forecast tables, empty where they did not exist, for
the consensus and the inventory plan to build on, empty too.
"""

from datetime import UTC, datetime

import dagster as dg
import duckdb
import pandas as pd

from ml.forecasting.adaptation import InsufficientHistoryError, adapt_to_history
from ml.forecasting.baselines import BASELINES
from ml.forecasting.global_model import GlobalModelConfig
from ml.forecasting.panel import model_inputs
from ml.forecasting.tracking import load_champion, log_training, promote_if_better
from ml.forecasting.training import MODEL_COLUMN, TrainingSettings, train
from orchestration.declared_tables import create_if_missing
from orchestration.metadata import markdown_table
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse, MLflowTracking
from orchestration.warehouse_io import append_version, read_frame, replace_table

GROUP = "forecasting"
SCHEMA = "forecasting"
EXPERIMENT = "planline_demand_forecast"
MODEL_NAME = "planline_demand"
PANEL = dg.AssetKey([SCHEMA, "fct_demand_panel"])
DEMAND_MODEL = dg.AssetKey([SCHEMA, "demand_model"])
BACKTEST_FORECASTS = dg.AssetKey([SCHEMA, "backtest_forecasts"])
BACKTEST_SCORES = dg.AssetKey([SCHEMA, "backtest_scores"])
DEMAND_FORECAST = dg.AssetKey([SCHEMA, "demand_forecast"])
SERIES_COLUMNS = ["sku_id", "location_id", "channel_id"]


class TrainingConfig(dg.Config):
    """Run parameters of a training (the weekly schedule's and ``make demo``'s). On the demo
    company 150 trees at a learning rate of 0.1 scored as well as 400 at 0.05 in half the time,
    and two years of history clearly better than one (docs/forecasting.md)."""

    n_origins: int = 3  # backtest origins, a horizon apart, the last one's horizon ending on the last day of history
    history_days: int = 730  # days of history the global model learns from
    n_estimators: int = 150  # trees per LightGBM model (mean, P50, P90)
    learning_rate: float = 0.1
    num_leaves: int = 63
    baselines: list[str] = list(BASELINES)  # statsforecast baselines backtested beside the model
    young_rows: bool = False  # also learn from days with incomplete features (histories shorter than the look-back)

    def settings(self, horizon: int) -> TrainingSettings:
        """The training's settings for a panel of ``horizon`` future days (dbt var forecast_horizon_days)."""
        base = GlobalModelConfig()
        lightgbm = {**base.lightgbm, "n_estimators": self.n_estimators, "learning_rate": self.learning_rate, "num_leaves": self.num_leaves}
        model = GlobalModelConfig(horizon=horizon, lightgbm=lightgbm, history_days=self.history_days, young_rows=self.young_rows)
        return TrainingSettings(model=model, n_origins=self.n_origins, baselines=tuple(self.baselines))


def _history_days(panel: pd.DataFrame) -> int:
    """Days of history in the panel, its first and last day counted."""
    days = pd.to_datetime(panel.loc[~panel.is_future.astype(bool), "demand_date"])
    return (days.max() - days.min()).days + 1 if len(days) else 0


def no_daily_series(warehouse: DuckDBWarehouse) -> str:
    """Why the panel holds no series, in the words the training and the forecast log: the sales
    history's week and month rows that company.yaml does not spread to days, else no demand at all."""
    with warehouse.connect(read_only=True) as con:
        try:
            periods = con.execute(
                "SELECT count(DISTINCT source_file || '|' || source_row_number) FROM intermediate.int_history_sales_days WHERE period <> 'day'"
            ).fetchone()[0]
            spread = con.execute("SELECT any_value(history_spread) FROM company.planning_settings").fetchone()[0]
        except duckdb.CatalogException:  # a warehouse the data layer has not built
            periods, spread = 0, None
    if periods and spread != "even":
        return (
            f"no daily series: the demand history is {periods:,} week and month rows of the sales history, which feed the monthly S&OP "
            "history only (company.yaml history.spread: none), and no day row; the daily forecast and the inventory plan have nothing to "
            "learn from. Set history.spread: even in company.yaml to spread them evenly over their days, or deliver daily rows"
        )
    return "no daily series: the warehouse holds no demand (marts.fct_daily_demand is empty): deliver a sales history or the systems' exports"


def daily_series_missing(warehouse: DuckDBWarehouse) -> str | None:
    """Why the demand panel holds no history (no_daily_series), or None when it has some (or is not
    built yet): what the inventory plan and the ERP files say instead of failing on nothing to plan."""
    try:
        rows = read_frame(warehouse, f"SELECT count(*) AS n FROM {SCHEMA}.fct_demand_panel WHERE NOT is_future").n.iloc[0]
    except duckdb.CatalogException:
        return None
    return None if rows else no_daily_series(warehouse)


def _ensure_empty_tables(warehouse: DuckDBWarehouse, *names: str) -> None:
    """The tables ``names`` (schema forecasting) as they are, or empty with their declared columns
    (dbt sources, models/marts/forecasting/_forecast_sources.yml) when they do not exist yet: what
    dbt reads of them builds, empty."""
    with warehouse.connect() as con:
        for name in names:
            create_if_missing(con, SCHEMA, name)


def _read_panel(warehouse: DuckDBWarehouse) -> pd.DataFrame:
    return read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_demand_panel ORDER BY sku_id, location_id, channel_id, demand_date")


def _warehouse_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A model frame in the warehouse's terms: ``unique_id`` (``sku|location|channel``) back into
    the key columns, and the days (``ds``, ``origin``) as dates."""
    parts = frame["unique_id"].str.split("|", n=2, expand=True)
    dates = {"forecast_date": frame["ds"].dt.date, **({"origin_date": frame["origin"].dt.date} if "origin" in frame.columns else {})}
    keys = {c: parts[i] for i, c in enumerate(SERIES_COLUMNS)}
    return frame.drop(columns=[c for c in ("unique_id", "ds", "origin") if c in frame.columns]).assign(**keys, **dates)


def _scores_table(overall: pd.DataFrame) -> dg.MetadataValue:
    rows = [
        (name, *(f"{row[m]:.3f}" if pd.notna(row[m]) else "" for m in ("wrmsse", "rmsse", "mase", "wape", "bias", "coverage")))
        for name, row in overall.sort_values("wrmsse").iterrows()
    ]
    return markdown_table(("forecast", "WRMSSE", "RMSSE", "MASE", "WAPE", "bias", "coverage"), rows)


def _backtest_table(key: dg.AssetKey, description: str) -> dg.AssetSpec:
    """A DuckDB table the training writes beside the model."""
    return dg.AssetSpec(key, deps=[PANEL], description=description, kinds={"python", "duckdb"}, group_name=GROUP)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            DEMAND_MODEL,
            deps=[PANEL],
            description="The global LightGBM demand model (mean, P50, P90), trained weekly on the panel, logged to MLflow and registered as a new version of "
            f"'{MODEL_NAME}'. Its champion_gate check decides whether the version serves the forecast.",
            kinds={"python", "lightgbm", "mlflow"},
            group_name=GROUP,
        ),
        _backtest_table(
            BACKTEST_FORECASTS,
            "Rolling-origin backtest of the training: every model's forecast (global model and its quantiles, statsforecast baselines) next to the actual units, per origin, series and day.",
        ),
        _backtest_table(
            BACKTEST_SCORES,
            "Backtest scores of every forecast (WAPE, bias, MASE, RMSSE, WRMSSE, pinball loss, P90 coverage), overall and by family, location, channel, ABC class and demand class.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "champion_gate",
            asset=DEMAND_MODEL,
            description=f"The trained version becomes the '{MODEL_NAME}' champion only when its backtest WRMSSE is lower than the champion's; "
            "a warning means the champion stays and keeps serving the forecast.",
        )
    ],
    pool=WAREHOUSE_POOL,
)
def demand_model(context: dg.AssetExecutionContext, config: TrainingConfig, warehouse: DuckDBWarehouse, mlflow_tracking: MLflowTracking):
    panel = _read_panel(warehouse)
    history_days = _history_days(panel)
    if history_days == 0:
        yield from _no_training(context, warehouse)
        return
    requested = config.settings(horizon=int(panel.loc[panel.is_future.astype(bool), "demand_date"].nunique()))
    try:
        adapted = adapt_to_history(requested, history_days)
    except InsufficientHistoryError as error:
        raise dg.Failure(f"No training: {error}") from error
    settings = adapted.settings
    for reason in adapted.reasons:
        context.log.warning(f"training adapted to {history_days} days of history: {reason}")
    context.log.info(f"training on {len(panel):,} panel rows: {settings.n_origins} backtest origins, {len(settings.baselines)} baselines")
    result = train(panel, settings, progress=context.log.info)

    store = mlflow_tracking.store()
    params = {
        "horizon": settings.model.horizon,
        "quantiles": ",".join(str(q) for q in settings.model.quantiles),
        "history_days": settings.model.history_days,
        "tweedie_variance_power": settings.model.tweedie_variance_power,
        "n_origins": settings.n_origins,
        "origins": ",".join(str(o.date()) for o in result.origins),
        "baselines": ",".join(settings.baselines),
        "series": result.series.shape[0],
        "history_days_available": history_days,
        "young_rows": settings.model.young_rows,
        "adapted": "; ".join(adapted.reasons) or "no",
        **{f"lightgbm.{k}": v for k, v in settings.model.lightgbm.items()},
    }
    training = log_training(
        result.forecaster,
        store=store,
        experiment=EXPERIMENT,
        model_name=MODEL_NAME,
        params=params,
        scores=result.scores,
        backtest=result.backtest,
        forecast_column=MODEL_COLUMN,
    )
    decision = promote_if_better(store, training, horizon=settings.model.horizon)
    context.log.info(decision.reason)

    backtest = _warehouse_frame(result.backtest.rename(columns={"y": "actual_units"}))
    replace_table(warehouse, SCHEMA, "backtest_forecasts", backtest.assign(model_version=training.model_version))
    replace_table(warehouse, SCHEMA, "backtest_scores", result.scores.assign(model_version=training.model_version))

    overall = result.overall()
    run_link = dg.MetadataValue.url(training.url(mlflow_tracking.ui_url))
    yield dg.MaterializeResult(
        asset_key=DEMAND_MODEL,
        metadata={
            "model_version": training.model_version,
            "backtest_wrmsse": dg.MetadataValue.float(training.wrmsse),
            "backtest": _scores_table(overall),
            "origins": ", ".join(str(o.date()) for o in result.origins),
            "series": dg.MetadataValue.int(result.series.shape[0]),
            "history_days": dg.MetadataValue.int(history_days),
            "adaptations": dg.MetadataValue.md("\n".join(f"- {r}" for r in adapted.reasons) or "none: the settings asked for"),
            "mlflow_run": run_link,
            "champion": f"version {decision.challenger_version if decision.promoted else decision.champion_version}",
        },
    )
    yield dg.MaterializeResult(
        asset_key=BACKTEST_FORECASTS,
        metadata={"dagster/row_count": dg.MetadataValue.int(len(backtest)), "model_version": training.model_version, "mlflow_run": run_link},
    )
    yield dg.MaterializeResult(
        asset_key=BACKTEST_SCORES, metadata={"dagster/row_count": dg.MetadataValue.int(len(result.scores)), "model_version": training.model_version}
    )
    yield dg.AssetCheckResult(
        check_name="champion_gate",
        asset_key=DEMAND_MODEL,
        passed=decision.promoted,
        severity=dg.AssetCheckSeverity.WARN,
        description=decision.reason,
        metadata={
            "challenger_version": decision.challenger_version,
            "challenger_wrmsse": dg.MetadataValue.float(decision.challenger_wrmsse),
            "champion_version": decision.champion_version or "none",
            **({"champion_wrmsse": dg.MetadataValue.float(decision.champion_wrmsse)} if decision.champion_wrmsse is not None else {}),
        },
    )


def _no_training(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse):
    """No series to learn from: no model, the champion (if any) unchanged, the backtest tables left
    as they are (empty where missing); said in the log, the metadata and the gate's check."""
    reason = no_daily_series(warehouse)
    context.log.warning(f"No training: {reason}")
    _ensure_empty_tables(warehouse, "backtest_forecasts", "backtest_scores")
    for key in (DEMAND_MODEL, BACKTEST_FORECASTS, BACKTEST_SCORES):
        yield dg.MaterializeResult(asset_key=key, metadata={"no_daily_series": reason, "series": dg.MetadataValue.int(0)})
    yield dg.AssetCheckResult(
        check_name="champion_gate", asset_key=DEMAND_MODEL, passed=False, severity=dg.AssetCheckSeverity.WARN, description=f"No model trained: {reason}"
    )


@dg.asset(
    key=DEMAND_FORECAST,
    deps=[PANEL, DEMAND_MODEL],
    group_name=GROUP,
    description="The champion model's daily forecast: mean, P50 and P90 units per SKU x location x channel for each day of the horizon after the last day of history. "
    "Refreshed daily from the latest history without refitting; every origin is kept (origin_date) for forecast value added.",
    kinds={"python", "lightgbm", "duckdb"},
    pool=WAREHOUSE_POOL,
)
def demand_forecast(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse, mlflow_tracking: MLflowTracking) -> dg.MaterializeResult:
    panel = _read_panel(warehouse)
    if _history_days(panel) == 0:
        reason = no_daily_series(warehouse)
        context.log.warning(f"No forecast: {reason}")
        _ensure_empty_tables(warehouse, "demand_forecast")
        return dg.MaterializeResult(metadata={"no_daily_series": reason, "dagster/row_count": dg.MetadataValue.int(0), "series": dg.MetadataValue.int(0)})
    champion = load_champion(mlflow_tracking.store(), MODEL_NAME)
    if champion is None:
        raise dg.Failure(f"No champion version of '{MODEL_NAME}' in MLflow: materialize forecasting/demand_model (the weekly training) first.")
    inputs = model_inputs(panel)
    horizon = champion.forecaster.config.horizon
    future_days = inputs.future.ds.nunique()
    if future_days != horizon:
        raise dg.Failure(
            f"The panel holds {future_days} future days but the champion forecasts {horizon}: align the dbt var forecast_horizon_days with the model."
        )
    origin = inputs.history.ds.max()
    context.log.info(f"forecasting {inputs.static.shape[0]:,} series from {origin.date()} with version {champion.version}")
    forecast = champion.forecaster.predict(inputs.future, history=inputs.history, static=inputs.static)
    table = _warehouse_frame(forecast.rename(columns={"mean": "forecast_units", "p50": "p50_units", "p90": "p90_units"})).assign(
        origin_date=origin.date(),
        model_name=MODEL_NAME,
        model_version=champion.version,
        mlflow_run_id=champion.run_id,
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    columns = [
        "origin_date",
        *SERIES_COLUMNS,
        "forecast_date",
        "forecast_units",
        "p50_units",
        "p90_units",
        "model_name",
        "model_version",
        "mlflow_run_id",
        "created_at",
    ]
    with warehouse.connect() as con:  # one forecast per origin day: a refresh of the same day replaces it
        origins = append_version(con, SCHEMA, "demand_forecast", table[columns], "origin_date")
    metrics = champion.metrics
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(table)),
            "origin_date": str(origin.date()),
            "series": dg.MetadataValue.int(inputs.static.shape[0]),
            "forecast_units": dg.MetadataValue.float(float(table.forecast_units.sum())),
            "origins_kept": dg.MetadataValue.int(origins),
            "champion_version": champion.version,
            "champion_backtest_wrmsse": dg.MetadataValue.float(champion.wrmsse),
            **{
                f"champion_{m}": dg.MetadataValue.float(metrics[f"{MODEL_COLUMN}.{m}"])
                for m in ("wape", "bias", "mase", "rmsse")
                if f"{MODEL_COLUMN}.{m}" in metrics
            },
            **({"champion_p90_coverage": dg.MetadataValue.float(metrics[f"{MODEL_COLUMN}_p90.coverage"])} if f"{MODEL_COLUMN}_p90.coverage" in metrics else {}),
            "mlflow_run": dg.MetadataValue.url(champion.url(mlflow_tracking.ui_url)),
        }
    )


forecasting_assets = [demand_model, demand_forecast]
