"""Use cases of A/B tests of boost strategies. Services never commit: the caller's scope does.

An experiment compares two or more boost strategies (variants) that differ in one dimension (timing,
budget, targeting, platform, creative). Boosts are assigned to variants at random with the recorded
``assignment_seed`` (deterministic: the same seed and boost always give the same variant, whatever the
order or batch), or by hand (``BoostCampaign.experiment_variant_id``). Results are recorded as
cumulative sufficient statistics per variant; the analysis calls the pure core
(``boostloop.analytics.experiments.decide``), and concluding records the winner.

The analysis unit: the randomisation unit is the boost, while the recorded statistics count people
reached. People reached by the same boost are correlated (same creative, hour, audience), so a
per-person test overstates the evidence when boosts differ (a seeded A/A check with 10 boosts per arm
and realistic boost-to-boost variation: per-person z false positive rate 0.70, per-boost ratio test
0.05; tests/analytics/experiments/test_frequentist.py). ``analyse_experiment(unit="auto")`` therefore
uses a ratio metric over the assigned boosts (from their latest snapshots) whenever every variant has
two or more boosts with reported reach, and otherwise falls back to the recorded per-person statistics
with a caveat in the answer. Hand-assigned boosts are not randomised: they are counted the same way
and should be few.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from boostloop.analytics.experiments import (
    GUARDRAILS,
    MeanStats,
    ProportionStats,
    RatioStats,
    VariantInput,
    decide,
)
from boostloop.analytics.experiments.decision import Decision
from boostloop.analytics.experiments.frequentist import EffectTest
from boostloop.enums import ExperimentDimension, ExperimentStatus, Platform
from boostloop.errors import Conflict, FieldError, InvalidInput, NotFound
from boostloop.server.db.models import BoostExperiment, BoostExperimentVariant
from boostloop.server.experiments import repository
from boostloop.server.experiments.schemas import (
    DIMENSION_KEYS,
    PRIMARY_METRICS,
    STRATEGY_KEYS,
    ComparisonOut,
    EffectOut,
    ExperimentAnalysis,
    ExperimentCreate,
    GuardrailOut,
    SrmOut,
    VariantResultsIn,
    VariantSummaryOut,
)

SECONDS_PER_DAY = 86_400.0
_MISSING = object()


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now: must be timezone-aware")
    return now


def _parse(model: type, data: Any, root: str):
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            [FieldError((root, *e["loc"]), e["msg"]) for e in exc.errors()], f"Invalid {root}"
        ) from None


# --- strategy validation -------------------------------------------------------------------------------


def _check_value(key: str, value: Any) -> str | None:
    """The message for a bad strategy value, or None when it is fine."""
    if key == "start_hour":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 23
        return None if ok else "an hour of the day, 0-23 (workspace time zone)"
    if key == "start_local_hours":
        ok = (
            isinstance(value, list)
            and value
            and len(set(value)) == len(value)
            and all(isinstance(h, int) and not isinstance(h, bool) and 0 <= h <= 23 for h in value)
        )
        return None if ok else "a list of distinct hours of the day, 0-23 (workspace time zone)"
    if key == "segment":
        return None if isinstance(value, str) and value else "a non-empty audience segment name"
    if key == "start_weekday":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6
        return None if ok else "a weekday, 0 = Monday ... 6 = Sunday"
    if key == "budget_cents":
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return None if ok else "a positive whole number of cents"
    if key == "duration_days":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 90
        return None if ok else "a whole number of days, 1-90"
    if key == "targeting":
        return None if isinstance(value, dict) and value else "a non-empty targeting object"
    if key == "platform":
        return (
            None if value in {p.value for p in Platform} else f"one of {', '.join(p.value for p in Platform)}"
        )
    if key == "creative":
        return None if (isinstance(value, str | dict) and value) else "a non-empty creative name or object"
    return "unknown key"


def _validate_design(data: ExperimentCreate) -> list[FieldError]:
    errors: list[FieldError] = []
    allowed = DIMENSION_KEYS[ExperimentDimension(data.dimension)]
    if data.primary_metric not in PRIMARY_METRICS:
        errors.append(
            FieldError(("primary_metric",), f"one of {', '.join(PRIMARY_METRICS)}", data.primary_metric)
        )
    for i, g in enumerate(data.guardrail_metrics):
        if g not in GUARDRAILS:
            errors.append(FieldError(("guardrail_metrics", i), f"one of {', '.join(GUARDRAILS)}", g))
    if len(set(data.guardrail_metrics)) != len(data.guardrail_metrics):
        errors.append(FieldError(("guardrail_metrics",), "listed twice"))
    controls = [i for i, v in enumerate(data.variants) if v.is_control]
    if len(controls) != 1:
        errors.append(
            FieldError(("variants",), f"exactly one variant must be the control, found {len(controls)}")
        )
    seen_names: dict[str, int] = {}
    seen_strategies: dict[str, int] = {}
    for i, v in enumerate(data.variants):
        if v.name in seen_names:
            errors.append(
                FieldError(("variants", i, "name"), f"same name as variant {seen_names[v.name]}", v.name)
            )
        seen_names.setdefault(v.name, i)
        varied = {k: val for k, val in v.strategy.items() if k in allowed}
        if not varied:
            errors.append(
                FieldError(
                    ("variants", i, "strategy"),
                    f"set what this variant does: one of {', '.join(sorted(allowed))}",
                )
            )
        for key, value in v.strategy.items():
            if key not in STRATEGY_KEYS:
                errors.append(
                    FieldError(
                        ("variants", i, "strategy", key),
                        f"unknown strategy key; known: {', '.join(sorted(STRATEGY_KEYS))}",
                    )
                )
                continue
            msg = _check_value(key, value)
            if msg:
                errors.append(FieldError(("variants", i, "strategy", key), msg, value))
        canonical = json.dumps(varied, sort_keys=True, default=str)
        if varied and canonical in seen_strategies:
            errors.append(
                FieldError(
                    ("variants", i, "strategy"),
                    f"identical to variant {seen_strategies[canonical]} in "
                    f"{', '.join(sorted(allowed))}: variants must differ",
                )
            )
        seen_strategies.setdefault(canonical, i)
    # Every key outside the dimension must be held constant: the same value in every variant.
    others = sorted({k for v in data.variants for k in v.strategy if k in STRATEGY_KEYS and k not in allowed})
    for key in others:
        values = [v.strategy.get(key, _MISSING) for v in data.variants]
        for i, value in enumerate(values):
            if value != values[0]:
                errors.append(
                    FieldError(
                        ("variants", i, "strategy", key),
                        f"a {data.dimension.value} experiment varies only {', '.join(sorted(allowed))}; "
                        f"hold {key!r} constant (the same value in every variant)",
                    )
                )
    return errors


# --- use cases -----------------------------------------------------------------------------------------


def create_experiment(
    session: Session, workspace_id: uuid.UUID, data: ExperimentCreate | Mapping[str, Any]
) -> BoostExperiment:
    """A DRAFT experiment with its variants. ``assignment_seed`` is drawn and recorded when not given."""
    data = _parse(ExperimentCreate, data, "experiment")
    errors = _validate_design(data)
    if errors:
        raise InvalidInput(errors, "Invalid experiment")
    seed = data.assignment_seed if data.assignment_seed is not None else secrets.randbits(63)
    experiment = BoostExperiment(
        workspace_id=workspace_id,
        name=data.name,
        hypothesis=data.hypothesis,
        dimension=data.dimension,
        primary_metric=data.primary_metric,
        guardrail_metrics=list(data.guardrail_metrics),
        status=ExperimentStatus.DRAFT,
        assignment_seed=seed,
        alpha=data.alpha,
        min_sample_per_variant=data.min_sample_per_variant,
    )
    experiment.variants = [
        BoostExperimentVariant(
            workspace_id=workspace_id,
            name=v.name,
            position=i,
            is_control=v.is_control,
            strategy=dict(v.strategy),
            allocation=v.allocation,
        )
        for i, v in enumerate(data.variants)
    ]
    session.add(experiment)
    session.flush()
    return experiment


def get_experiment(
    session: Session, workspace_id: uuid.UUID, experiment_id: uuid.UUID, *, for_update: bool = False
) -> BoostExperiment:
    experiment = repository.get_experiment(session, workspace_id, experiment_id, for_update=for_update)
    if experiment is None:
        raise NotFound(f"experiment {experiment_id} not found")
    return experiment


def list_experiments(session: Session, workspace_id: uuid.UUID) -> list[BoostExperiment]:
    return repository.list_experiments(session, workspace_id)


def _require(experiment: BoostExperiment, allowed: set[ExperimentStatus], action: str) -> None:
    if experiment.status not in allowed:
        raise Conflict(
            f"cannot {action} experiment {experiment.id}: it is {experiment.status.value} "
            f"(needs {' or '.join(sorted(s.value for s in allowed))})"
        )


def start_experiment(
    session: Session, workspace_id: uuid.UUID, experiment_id: uuid.UUID, *, now: datetime | None = None
) -> BoostExperiment:
    experiment = get_experiment(session, workspace_id, experiment_id, for_update=True)
    _require(experiment, {ExperimentStatus.DRAFT}, "start")
    experiment.status = ExperimentStatus.RUNNING
    experiment.started_at = _now(now)
    session.flush()
    return experiment


def stop_experiment(
    session: Session, workspace_id: uuid.UUID, experiment_id: uuid.UUID, *, now: datetime | None = None
) -> BoostExperiment:
    """Stop without a winner (results can still be recorded and analysed)."""
    experiment = get_experiment(session, workspace_id, experiment_id, for_update=True)
    _require(experiment, {ExperimentStatus.RUNNING}, "stop")
    experiment.status = ExperimentStatus.STOPPED
    experiment.ended_at = _now(now)
    session.flush()
    return experiment


def variant_index_for(seed: int, boost_id: uuid.UUID, allocations: Sequence[float]) -> int:
    """Deterministic random variant for a boost: u = first 64 bits of SHA-256("seed:boost_id") / 2^64,
    then the variant whose cumulative allocation share first exceeds u. The same (seed, boost) always
    gives the same variant; over many boosts the shares follow the allocation (a uniform hash), which
    is what the SRM check tests.
    """
    digest = hashlib.sha256(f"{seed}:{boost_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    total = float(sum(allocations))
    cumulative = 0.0
    for i, w in enumerate(allocations):
        cumulative += w / total
        if u < cumulative:
            return i
    return len(allocations) - 1


def _boosts_for_assignment(
    session: Session, workspace_id: uuid.UUID, experiment: BoostExperiment, boost_ids: Sequence[uuid.UUID]
):
    boosts = repository.get_boosts(session, workspace_id, list(boost_ids))
    own = {v.id for v in experiment.variants}
    errors: list[FieldError] = []
    other_variants = {
        b.experiment_variant_id
        for b in boosts.values()
        if b.experiment_variant_id is not None and b.experiment_variant_id not in own
    }
    holder = repository.variant_ids_of_other_experiments(session, workspace_id, other_variants)
    for i, bid in enumerate(boost_ids):
        boost = boosts.get(bid)
        if boost is None:
            errors.append(FieldError(("boost_ids", i), "boost not found", str(bid)))
        elif boost.experiment_variant_id is not None and boost.experiment_variant_id not in own:
            errors.append(
                FieldError(
                    ("boost_ids", i),
                    f"already in experiment {holder.get(boost.experiment_variant_id)}",
                    str(bid),
                )
            )
    if len(set(boost_ids)) != len(boost_ids):
        errors.append(FieldError(("boost_ids",), "a boost is listed twice"))
    if errors:
        raise InvalidInput(errors, "Cannot assign boosts")
    return boosts


def assign_boosts(
    session: Session, workspace_id: uuid.UUID, experiment_id: uuid.UUID, boost_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Assign boosts to variants at random with the experiment's recorded seed; boost id -> variant id.

    A boost already in this experiment keeps its variant (assignment is idempotent). All-or-nothing.
    """
    experiment = get_experiment(session, workspace_id, experiment_id, for_update=True)
    _require(experiment, {ExperimentStatus.DRAFT, ExperimentStatus.RUNNING}, "assign boosts to")
    boosts = _boosts_for_assignment(session, workspace_id, experiment, boost_ids)
    allocations = [v.allocation for v in experiment.variants]
    out: dict[uuid.UUID, uuid.UUID] = {}
    for bid in boost_ids:
        boost = boosts[bid]
        if boost.experiment_variant_id is None:
            idx = variant_index_for(experiment.assignment_seed, bid, allocations)
            boost.experiment_variant_id = experiment.variants[idx].id
        out[bid] = boost.experiment_variant_id
    session.flush()
    return out


def assign_boost_to_variant(
    session: Session,
    workspace_id: uuid.UUID,
    experiment_id: uuid.UUID,
    variant_id: uuid.UUID,
    boost_id: uuid.UUID,
) -> None:
    """Put a boost in a chosen variant by hand (it is then not randomised; see the module docstring)."""
    experiment = get_experiment(session, workspace_id, experiment_id, for_update=True)
    _require(experiment, {ExperimentStatus.DRAFT, ExperimentStatus.RUNNING}, "assign boosts to")
    variant = next((v for v in experiment.variants if v.id == variant_id), None)
    if variant is None:
        raise NotFound(f"variant {variant_id} not found in experiment {experiment_id}")
    boosts = _boosts_for_assignment(session, workspace_id, experiment, [boost_id])
    boosts[boost_id].experiment_variant_id = variant.id
    session.flush()


def record_results(
    session: Session,
    workspace_id: uuid.UUID,
    experiment_id: uuid.UUID,
    results: Mapping[str, VariantResultsIn | Mapping[str, Any]],
) -> BoostExperiment:
    """Replace the cumulative sufficient statistics of the named variants (keys: variant name or id).

    Checked before anything is written: conversions <= exposures, and for the metric sums the
    Cauchy-Schwarz bound metric_sum^2 <= exposures * metric_sum_sq (no real data can break it).
    """
    experiment = get_experiment(session, workspace_id, experiment_id, for_update=True)
    _require(experiment, {ExperimentStatus.RUNNING, ExperimentStatus.STOPPED}, "record results for")
    by_key = {v.name: v for v in experiment.variants} | {str(v.id): v for v in experiment.variants}
    errors: list[FieldError] = []
    parsed: list[tuple[BoostExperimentVariant, VariantResultsIn]] = []
    for key, raw in results.items():
        variant = by_key.get(str(key))
        if variant is None:
            errors.append(FieldError(("results", str(key)), "no such variant in this experiment"))
            continue
        try:
            r = raw if isinstance(raw, VariantResultsIn) else VariantResultsIn.model_validate(raw)
        except ValidationError as exc:
            errors.extend(FieldError(("results", str(key), *e["loc"]), e["msg"]) for e in exc.errors())
            continue
        if r.conversions > r.exposures:
            errors.append(
                FieldError(
                    ("results", str(key), "conversions"),
                    f"more conversions than exposures ({r.exposures})",
                    r.conversions,
                )
            )
        if r.metric_sum**2 > r.exposures * r.metric_sum_sq * (1 + 1e-9) + 1e-9:
            errors.append(
                FieldError(
                    ("results", str(key), "metric_sum_sq"),
                    "too small for metric_sum and exposures (sum^2 <= n * sum of squares)",
                    r.metric_sum_sq,
                )
            )
        parsed.append((variant, r))
    if errors:
        raise InvalidInput(errors, "Invalid results")
    for variant, r in parsed:
        variant.exposures, variant.conversions = r.exposures, r.conversions
        variant.metric_sum, variant.metric_sum_sq, variant.spend_cents = (
            r.metric_sum,
            r.metric_sum_sq,
            r.spend_cents,
        )
    session.flush()
    return experiment


UNITS = ("auto", "person", "boost")


@dataclass(frozen=True)
class _Prepared:
    decision: Decision
    unit: str
    caveats: tuple[str, ...]
    assigned: dict[uuid.UUID, int]
    people: dict[uuid.UUID, int]
    means: dict[uuid.UUID, float]
    spend: dict[uuid.UUID, int]


def _decision(
    session: Session,
    workspace_id: uuid.UUID,
    experiment: BoostExperiment,
    now: datetime,
    sequential: bool,
    unit: str,
) -> _Prepared:
    """Feed the pure decision rule. ``unit``: "person" uses the recorded per-variant sufficient
    statistics; "boost" builds a ratio metric over the assigned boosts from their latest snapshots
    (cluster-robust, see RatioStats); "auto" uses "boost" when every variant has two or more boosts
    with reach in their snapshots, else "person" with a caveat.
    """
    if unit not in UNITS:
        raise InvalidInput([FieldError(("unit",), f"one of {', '.join(UNITS)}", unit)], "Invalid analysis")
    results = repository.boost_results_by_variant(session, workspace_id, experiment.id)
    per_variant: dict[uuid.UUID, list] = {v.id: [] for v in experiment.variants}
    for r in results:
        per_variant[r.variant_id].append(r)
    kind = PRIMARY_METRICS[experiment.primary_metric]
    boost_ready = all(sum(1 for r in rs if r.reach > 0) >= 2 for rs in per_variant.values())
    chosen = ("boost" if boost_ready else "person") if unit == "auto" else unit
    caveats: list[str] = []
    if chosen == "person" and any(len(rs) >= 2 for rs in per_variant.values()):
        caveats.append(
            "analysed per person: people reached by the same boost are correlated, so these intervals are "
            "too narrow when boosts differ; the per-boost (cluster-robust) analysis needs two or more "
            "boosts with reported reach in every variant"
        )
    if chosen == "person" and not results:
        caveats.append("no boosts are assigned: the sample-ratio check has nothing to count")
    inputs = []
    people: dict[uuid.UUID, int] = {}
    means: dict[uuid.UUID, float] = {}
    spend: dict[uuid.UUID, int] = {}
    for v in experiment.variants:
        rs = per_variant[v.id]
        if chosen == "boost":
            numer = [r.conversions if kind == "proportion" else r.value_cents for r in rs]
            primary = RatioStats.from_pairs(numer, [r.reach for r in rs])
            people[v.id], spend[v.id] = int(primary.d_sum), sum(r.spend_cents for r in rs)
        else:
            primary = (
                ProportionStats(v.exposures, v.conversions)
                if kind == "proportion"
                else MeanStats(v.exposures, v.metric_sum, v.metric_sum_sq)
            )
            people[v.id], spend[v.id] = v.exposures, v.spend_cents
        means[v.id] = primary.mean
        inputs.append(
            VariantInput(
                name=v.name,
                is_control=v.is_control,
                allocation=v.allocation,
                primary=primary,
                units_assigned=len(rs),
                spend_cents=spend[v.id],
                spend_per_unit=MeanStats.from_values([float(r.spend_cents) for r in rs]),
                conversions=sum(r.conversions for r in rs) if chosen == "boost" else v.conversions,
                cpa_per_unit=(
                    RatioStats.from_pairs([r.spend_cents for r in rs], [r.conversions for r in rs])
                    if chosen == "boost"
                    else None
                ),
            )
        )
    if experiment.started_at is None:
        elapsed = 0.0
    else:
        end = experiment.ended_at or now
        elapsed = max(0.0, (end - experiment.started_at).total_seconds() / SECONDS_PER_DAY)
    decision = decide(
        inputs,
        min_sample_per_variant=experiment.min_sample_per_variant,
        elapsed_days=elapsed,
        alpha=experiment.alpha,
        sequential=sequential,
        guardrails=tuple(experiment.guardrail_metrics),
    )
    assigned = {vid: len(rs) for vid, rs in per_variant.items()}
    return _Prepared(decision, chosen, tuple(caveats), assigned, people, means, spend)


def _effect(e: EffectTest) -> EffectOut:
    return EffectOut(
        estimate=e.estimate,
        ci_low=e.ci[0] if e.ci else None,
        ci_high=e.ci[1] if e.ci else None,
        p_value=e.p_value,
        method=e.method,
        defined=e.defined,
        note=e.note,
    )


def analyse_experiment(
    session: Session,
    workspace_id: uuid.UUID,
    experiment_id: uuid.UUID,
    *,
    now: datetime | None = None,
    sequential: bool = True,
    unit: str = "auto",
) -> ExperimentAnalysis:
    """The full analysis and the decision (see ``boostloop.analytics.experiments.decision``).

    ``unit``: "auto" (default), "person" or "boost"; see :func:`_decision`.
    """
    experiment = get_experiment(session, workspace_id, experiment_id)
    prep = _decision(session, workspace_id, experiment, _now(now), sequential, unit)
    decision = prep.decision
    by_name = {v.name: v for v in experiment.variants}
    comparisons = []
    for c in decision.comparisons:
        seq = c.sequential
        comparisons.append(
            ComparisonOut(
                variant_id=by_name[c.name].id,
                variant=c.name,
                absolute=_effect(c.frequentist.absolute),
                relative=_effect(c.frequentist.relative),
                sequential=EffectOut(
                    estimate=seq.estimate,
                    ci_low=seq.ci[0] if seq.ci else None,
                    ci_high=seq.ci[1] if seq.ci else None,
                    p_value=seq.p_value,
                    method=seq.method,
                    defined=seq.defined,
                    note=seq.note,
                ),
                p_value_used=c.p_value,
                p_value_adjusted=c.p_value_adjusted,
                significant=c.significant,
                direction=c.direction,
                chance_to_win=c.bayes.chance_to_win,
                expected_loss_treatment=c.bayes.expected_loss_treatment,
                expected_loss_control=c.bayes.expected_loss_control,
                bayes_method=c.bayes.method,
                guardrails=[
                    GuardrailOut(
                        metric=g.metric,
                        estimate=g.estimate,
                        ci_low=g.ci[0] if g.ci else None,
                        ci_high=g.ci[1] if g.ci else None,
                        p_worse=g.p_worse,
                        worse=g.worse,
                        defined=g.defined,
                        method=g.method,
                        note=g.note,
                    )
                    for g in c.guardrails
                ],
            )
        )
    variants = [
        VariantSummaryOut(
            variant_id=v.id,
            variant=v.name,
            is_control=v.is_control,
            boosts_assigned=prep.assigned[v.id],
            n=prep.people[v.id],
            spend_cents=prep.spend[v.id],
            mean=prep.means[v.id],
        )
        for v in experiment.variants
    ]
    srm = decision.srm
    return ExperimentAnalysis(
        experiment_id=experiment.id,
        status=decision.status,
        winner_variant_id=by_name[decision.winner].id if decision.winner else None,
        winner=decision.winner,
        missing=list(decision.missing),
        primary_metric=experiment.primary_metric,
        analysis_unit=prep.unit,
        caveats=list(prep.caveats),
        alpha=decision.alpha,
        sequential=decision.sequential,
        p_value_method=decision.p_value_method,
        elapsed_days=decision.elapsed_days,
        min_sample_per_variant=experiment.min_sample_per_variant,
        min_sample_reached=decision.min_sample_reached,
        days_to_min_sample=decision.days_to_min_sample,
        days_to_significance=decision.days_to_significance,
        variants=variants,
        comparisons=comparisons,
        srm=SrmOut(
            observed=list(srm.observed),
            expected=list(srm.expected),
            chi_square=srm.chi_square,
            p_value=srm.p_value,
            threshold=srm.threshold,
            mismatch=srm.mismatch,
            note=srm.note,
        ),
    )


def conclude_experiment(
    session: Session,
    workspace_id: uuid.UUID,
    experiment_id: uuid.UUID,
    *,
    now: datetime | None = None,
    unit: str = "auto",
) -> ExperimentAnalysis:
    """Record the winner and complete the experiment, only if the decision rule declares one.

    Raises ``Conflict`` listing what is missing otherwise (nothing is written).
    """
    now = _now(now)
    experiment = get_experiment(session, workspace_id, experiment_id, for_update=True)
    _require(experiment, {ExperimentStatus.RUNNING, ExperimentStatus.STOPPED}, "conclude")
    analysis = analyse_experiment(session, workspace_id, experiment_id, now=now, unit=unit)
    if analysis.winner_variant_id is None:
        raise Conflict(f"no winner yet for experiment {experiment_id}: " + "; ".join(analysis.missing))
    experiment.winner_variant_id = analysis.winner_variant_id
    experiment.status = ExperimentStatus.COMPLETED
    experiment.ended_at = experiment.ended_at or now
    session.flush()
    return analysis
