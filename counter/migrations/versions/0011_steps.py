"""steps (issue 17): a procedure's internal process, each step with its unit and working days

The shipped steps (fixtures/procedure_steps.csv) are written for the procedures already in the store whose
processing time their days add up to; an office's own catalogue gets its steps with `counter catalogue steps`.
"""
from importlib import resources

import sqlalchemy as sa
from alembic import op

from counter.migrations.columns import boolean, integer, references, text

revision = "0011_steps"
down_revision = "0010_stspeed"


def upgrade() -> None:
    op.create_table("procedure_steps", text("procedure_code", 64), integer("position"), text("name"), text("unit"),
                    integer("working_days"), boolean("decides"), references("procedure_code", "procedures.code"),
                    sa.PrimaryKeyConstraint("procedure_code", "position"))
    from counter.domain.catalogue import parse_steps

    conn = op.get_bind()
    days: dict[str, int] = dict(conn.execute(sa.text("SELECT code, working_days FROM procedures")).all())  # type: ignore[arg-type]
    shipped = parse_steps(resources.files("counter").joinpath("fixtures/procedure_steps.csv").read_text("utf-8"))
    for code, steps in shipped.items():
        if code in days and sum(s.working_days for s in steps) == days[code]:
            for s in steps:
                conn.execute(sa.text("INSERT INTO procedure_steps VALUES (:c, :p, :n, :u, :d, :x)"),
                             {"c": code, "p": s.number, "n": s.name, "u": s.unit, "d": s.working_days,
                              "x": s.decides})


def downgrade() -> None:
    op.drop_table("procedure_steps")
