"""The training job: fit the outcome model on the training-ready rows and record it (``trained_models``).

The artifact is the pickled estimator (scikit-learn's own persistence format; it is read back only from
the workspace's own database row, never from user input). ``validation`` holds the time-ordered holdout's
coverage (overall, per platform, per budget band), the raw quantile coverage beside it, the error next to
the two baselines, the measured validity that recommendation confidence uses, and the loop's calibration
report (applied recommendations' realised outcomes against their projections).
"""

from __future__ import annotations

import pickle
import uuid
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from boostloop.analytics.learning.evaluation import train_and_validate
from boostloop.analytics.learning.features import TARGETS
from boostloop.analytics.learning.outcome_model import BoostOutcomeModel
from boostloop.errors import NotFound
from boostloop.server.db.models import TrainedModel
from boostloop.server.learning import repository as repo

# Labels stored in trained_models.algorithm (VARCHAR(100): PostgreSQL refuses longer ones).
ALGORITHM = "split-CQR over HistGradientBoostingRegressor(loss=quantile)"
ALGORITHM_FEW_ROWS = "shrinkage to platform priors (few rows)"


def train(session: Session, workspace_id: uuid.UUID, now: datetime) -> TrainedModel:
    """Fit on every training-ready row (time order), validate on the newest 20 %, record version N+1."""
    from boostloop.server.learning.loop import calibration_report

    ws = repo.workspace(session, workspace_id)
    if ws is None:
        raise NotFound(f"workspace {workspace_id} not found")
    pairs = repo.training_rows(session, workspace_id, ready_only=True)
    X = [row.features for row, _ in pairs]
    Y = np.array([[float(row.labels[t]) for t in TARGETS] for row, _ in pairs]).reshape(len(pairs), len(TARGETS))
    trained = train_and_validate(X, Y, priors=ws.benchmarks)
    validation = trained.validation.as_dict() | {"loop_calibration": calibration_report(session, workspace_id)}
    record = TrainedModel(
        workspace_id=workspace_id,
        version=repo.next_model_version(session, workspace_id),
        algorithm=ALGORITHM if trained.model.method_ == "cqr" else ALGORITHM_FEW_ROWS,
        training_rows=len(pairs),
        validation=_jsonable(validation),
        artifact=pickle.dumps(trained.model, protocol=pickle.HIGHEST_PROTOCOL),
        trained_at=now,
    )
    session.add(record)
    session.flush()
    return record


def load_model(record: TrainedModel) -> BoostOutcomeModel:
    return pickle.loads(record.artifact)  # noqa: S301 - our own artifact, from the workspace's own row


def current_model(session: Session, workspace_id: uuid.UUID, now: datetime) -> tuple[BoostOutcomeModel, TrainedModel]:
    """The latest trained model; trains one first when the workspace has none."""
    record = repo.latest_model(session, workspace_id)
    if record is None or record.artifact is None:
        record = train(session, workspace_id, now)
    return load_model(record), record


def _jsonable(x):  # noqa: ANN001, ANN202
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, float | np.floating):
        f = float(x)
        return f if np.isfinite(f) else None
    if isinstance(x, np.integer):
        return int(x)
    return x
