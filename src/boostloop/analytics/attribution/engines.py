"""Where the journey queries run: DuckDB in process (default), or Apache Spark when events outgrow one
machine. Both take the events as an Arrow table and return Arrow; the SQL text is the one definition in
:mod:`.journeys`, transpiled for Spark by sqlglot (DESIGN.md: one definition per query, every engine
tested to return the same numbers)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import sqlglot

from boostloop.analytics.attribution.journeys import EVENT_SCHEMA


class Engine(Protocol):
    name: str

    def run(self, sql: str, events: pa.Table) -> pa.Table:
        """Run ``sql`` (DuckDB dialect) with ``events`` visible as the table ``events``."""
        ...


def _conform(events: pa.Table) -> pa.Table:
    missing = [f.name for f in EVENT_SCHEMA if f.name not in events.column_names]
    if missing:
        raise ValueError(f"events lack columns {missing}")
    return events.select(EVENT_SCHEMA.names).cast(EVENT_SCHEMA)


class DuckDBEngine:
    """DuckDB in process; the Arrow table is scanned in place (no copy)."""

    name = "duckdb"

    def __init__(
        self, connection: duckdb.DuckDBPyConnection | None = None, threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.connection = connection or duckdb.connect()
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        if memory_limit:  # e.g. "2GB": DuckDB spills joins, sorts and windows to disk beyond it
            self.connection.execute("SET memory_limit = ?", [memory_limit])

    def run(self, sql: str, events: pa.Table) -> pa.Table:
        con = self.connection.cursor()
        try:
            con.register("events", _conform(events))
            return con.sql(sql).to_arrow_table()
        finally:
            con.close()


@lru_cache(maxsize=64)
def to_spark_sql(sql: str) -> str:
    """The DuckDB-dialect query in Spark SQL (sqlglot)."""
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


class SparkEngine:
    """A Spark session (local mode in tests, a cluster in production); events arrive as Arrow."""

    name = "spark"

    def __init__(self, spark: Any) -> None:  # pyspark.sql.SparkSession; imported lazily (heavy, needs a JVM)
        self.spark = spark

    def run(self, sql: str, events: pa.Table) -> pa.Table:
        df = self.spark.createDataFrame(_conform(events))
        df.createOrReplaceTempView("events")
        try:
            return self.spark.sql(to_spark_sql(sql)).toArrow()
        finally:
            self.spark.catalog.dropTempView("events")


def default_engine() -> DuckDBEngine:
    return DuckDBEngine()
