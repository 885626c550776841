"""A job that writes rows and is killed (SIGKILL) half-way; run as a subprocess by the tests.

``python -m tests.server.jobs.killable DATABASE_URL WORKSPACE_ID N KILL_AFTER``
"""

from __future__ import annotations

import os
import signal
import sys
import uuid

from boostloop.server.db.models import NotificationChannel
from boostloop.server.jobs import registry


def write_channels(n: int, kill_after: int | None):
    def body(session, workspace_id, now):
        for i in range(n):
            session.add(NotificationChannel(workspace_id=workspace_id, kind="EMAIL", name=f"job-row-{i}",
                                            recipients=["x@example.com"], enabled=True, created_at=now))
            session.flush()  # the rows are in the database's transaction, not committed
            if kill_after is not None and i + 1 == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        return {"written": n}

    return body


if __name__ == "__main__":
    from boostloop.enums import JobTrigger
    from boostloop.server.db.session import create_db_engine
    from boostloop.server.jobs.runner import run_job

    url, ws, n, kill_after = sys.argv[1], uuid.UUID(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    registry.register(registry.JobSpec("killable", "writes rows", None, write_channels(n, kill_after),
                                       lease_seconds=600))
    run_job(create_db_engine(url), "killable", ws, trigger=JobTrigger.CLI)
