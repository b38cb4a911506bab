"""SQL scripts of the revisions, and how to run one."""

from alembic import op
from sqlalchemy.util import await_only


def run_script(script: str) -> None:
    """Run a multi-statement script in the migration's transaction.

    The asyncpg dialect prepares every statement and a prepared statement holds one
    command, so scripts go through asyncpg's simple-query protocol instead.
    """
    driver_connection = op.get_bind().connection.driver_connection
    await_only(driver_connection.execute(script))
