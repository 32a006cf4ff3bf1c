"""Training settings fitted to the history a panel holds.

A weekly training asks for a rolling-origin backtest (3 origins a horizon apart), a model window
(the last 730 days) and features that look back up to ``GlobalModelConfig.look_back_days``. A
young deployment, or the tiny demo company (12 weeks), has less history than that: rather than
fail, the training takes what the history allows and says why, step by step. Only a history too
short for even one backtest horizon after the minimum training window is an error.

``adapt_to_history`` is pure: the number of days of history and the requested settings in, the
effective settings and one sentence per adaptation out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ml.forecasting.training import MIN_TRAINING_DAYS, TrainingSettings

# Days at the first origin on which every feature is known (history beyond the look-back), below
# which the model keeps the days with incomplete features: four weeks of complete days per series
# at least, else LightGBM learns from too few rows, or none.
MIN_COMPLETE_FEATURE_DAYS = 28


class InsufficientHistoryError(ValueError):
    """The panel's history is too short for even the minimal training."""


@dataclass(frozen=True)
class AdaptedSettings:
    """The settings a training runs with and why they differ from those asked for.

    Attributes:
        settings: the effective settings.
        reasons: one human-readable sentence per adaptation (empty: none was needed).
    """

    settings: TrainingSettings
    reasons: tuple[str, ...]


def minimum_history_days(horizon: int) -> int:
    """Days of history the minimal training needs: one backtest horizon after the minimum training window."""
    return MIN_TRAINING_DAYS + horizon


def adapt_to_history(requested: TrainingSettings, history_days: int) -> AdaptedSettings:
    """The settings ``requested`` fitted to ``history_days`` days of history (first to last day of
    the panel's history, both counted). Raises ``InsufficientHistoryError`` when not even one
    origin fits."""
    horizon = requested.model.horizon
    needed = minimum_history_days(horizon)
    if history_days < needed:
        raise InsufficientHistoryError(
            f"the demand panel holds {history_days} days of history; a training needs at least {needed}: one backtest horizon of "
            f"{horizon} days after the minimum training window of {MIN_TRAINING_DAYS} days ({needed - history_days} days missing). "
            "Shorten the forecast horizon (PLANLINE_FORECAST_HORIZON_DAYS, dbt var forecast_horizon_days) or load more history."
        )
    reasons: list[str] = []
    n_origins = min(requested.n_origins, (history_days - MIN_TRAINING_DAYS) // horizon)
    if n_origins < requested.n_origins:
        reasons.append(
            f"backtest origins {requested.n_origins} -> {n_origins}: {requested.n_origins} origins {horizon} days apart need "
            f"{MIN_TRAINING_DAYS + requested.n_origins * horizon} days of history ({MIN_TRAINING_DAYS} of training before the first), "
            f"the panel holds {history_days}"
        )
    model = requested.model
    if model.history_days is not None and model.history_days >= history_days:
        reasons.append(f"model window history_days {model.history_days} -> all {history_days} days of history: the panel holds no more")
        model = replace(model, history_days=None)
    first_origin_days = history_days - n_origins * horizon
    window = first_origin_days if model.history_days is None else min(first_origin_days, model.history_days)
    complete_days = max(0, window - model.look_back_days)
    if not model.young_rows and complete_days < MIN_COMPLETE_FEATURE_DAYS:
        reasons.append(
            f"young_rows on (days with incomplete features kept for training): the first backtest origin has {window} days of history "
            f"and the features look back {model.look_back_days}, leaving {complete_days} days with every feature "
            f"(at least {MIN_COMPLETE_FEATURE_DAYS} wanted)"
        )
        model = replace(model, young_rows=True)
    return AdaptedSettings(replace(requested, model=model, n_origins=n_origins), tuple(reasons))
