"""Experiment endpoints: create / list / get, assign boosts, record results, analysis, start / stop /
conclude. Reads are VIEWER, everything that writes is MEMBER; the rules live in ``experiments.service``."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from boostloop.server.api.deps import CanRead, CanWrite, DbSession
from boostloop.server.api.problems import problem_responses
from boostloop.server.experiments import service
from boostloop.server.experiments.schemas import (
    ExperimentAnalysis,
    ExperimentCreate,
    ExperimentOut,
    VariantResultsIn,
)

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/experiments", tags=["experiments"],
                   responses=problem_responses(401, 403, 404, 422, 429))

Unit = Literal["auto", "person", "boost"]


class AssignIn(BaseModel):
    boost_ids: list[uuid.UUID] = Field(min_length=1, max_length=10_000)


class AssignOut(BaseModel):
    assignments: dict[uuid.UUID, uuid.UUID] = Field(description="boost id -> variant id")


class ResultsIn(BaseModel):
    """Cumulative sufficient statistics per variant name (they replace the previous ones)."""

    variants: dict[str, VariantResultsIn] = Field(min_length=1, max_length=10)


@router.post("", response_model=ExperimentOut, status_code=201, summary="Create an experiment (MEMBER)")
def create(body: ExperimentCreate, access: CanWrite, session: DbSession) -> ExperimentOut:
    return ExperimentOut.model_validate(service.create_experiment(session, access.workspace_id, body))


@router.get("", response_model=list[ExperimentOut], summary="The workspace's experiments")
def list_experiments(access: CanRead, session: DbSession) -> list[ExperimentOut]:
    return [ExperimentOut.model_validate(e) for e in service.list_experiments(session, access.workspace_id)]


@router.get("/{experiment_id}", response_model=ExperimentOut, summary="One experiment with its variants")
def get(experiment_id: uuid.UUID, access: CanRead, session: DbSession) -> ExperimentOut:
    return ExperimentOut.model_validate(service.get_experiment(session, access.workspace_id, experiment_id))


@router.post("/{experiment_id}/assignments", response_model=AssignOut, responses=problem_responses(409),
             summary="Assign boosts to variants by the experiment's seeded hash (MEMBER; idempotent)")
def assign(experiment_id: uuid.UUID, body: AssignIn, access: CanWrite, session: DbSession) -> AssignOut:
    return AssignOut(assignments=service.assign_boosts(session, access.workspace_id, experiment_id, body.boost_ids))


@router.put("/{experiment_id}/results", response_model=ExperimentOut, responses=problem_responses(409),
            summary="Record each variant's cumulative results (MEMBER; all-or-nothing)")
def record_results(experiment_id: uuid.UUID, body: ResultsIn, access: CanWrite, session: DbSession) -> ExperimentOut:
    return ExperimentOut.model_validate(
        service.record_results(session, access.workspace_id, experiment_id, body.variants))


@router.get("/{experiment_id}/analysis", response_model=ExperimentAnalysis,
            summary="The analysis: effects with intervals, guardrails, SRM check, decision")
def analysis(experiment_id: uuid.UUID, access: CanRead, session: DbSession, unit: Unit = "auto") -> ExperimentAnalysis:
    return service.analyse_experiment(session, access.workspace_id, experiment_id, unit=unit)


@router.post("/{experiment_id}/start", response_model=ExperimentOut, responses=problem_responses(409),
             summary="Start a DRAFT experiment (MEMBER)")
def start(experiment_id: uuid.UUID, access: CanWrite, session: DbSession) -> ExperimentOut:
    return ExperimentOut.model_validate(service.start_experiment(session, access.workspace_id, experiment_id))


@router.post("/{experiment_id}/stop", response_model=ExperimentOut, responses=problem_responses(409),
             summary="Stop a RUNNING experiment (MEMBER)")
def stop(experiment_id: uuid.UUID, access: CanWrite, session: DbSession) -> ExperimentOut:
    return ExperimentOut.model_validate(service.stop_experiment(session, access.workspace_id, experiment_id))


@router.post("/{experiment_id}/conclude", response_model=ExperimentAnalysis, responses=problem_responses(409),
             summary="Record the winner and complete (MEMBER); 409 unless the decision rule declares one")
def conclude(experiment_id: uuid.UUID, access: CanWrite, session: DbSession, unit: Unit = "auto") -> ExperimentAnalysis:
    return service.conclude_experiment(session, access.workspace_id, experiment_id, unit=unit)
