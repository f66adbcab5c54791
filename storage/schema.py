"""Every model module, imported so that Base.metadata knows all tables (Alembic, create_all).

storage.models holds the models by concept; a few tables live next to their repository.
"""

from storage import inbox as _inbox  # noqa: F401 - inbox (webhook updates before their turn)
from storage import keycheck as _keycheck  # noqa: F401 - key_check
from storage import links as _links  # noqa: F401 - link_codes
from storage import rollups as _rollups  # noqa: F401 - keeps stat_rollups in step with cases
from storage import thongke_indexes as _thongke_indexes  # noqa: F401 - /thongke's indexes (0017)
from storage.models import Base
from storage.models import questions as _questions  # noqa: F401 - province_questions

__all__ = ["Base", "compared"]

# Indexes one dialect has and the other not (models: `ddl_if`), written by hand in migration
# 0006; Alembic cannot compare them (it reflects PostgreSQL's COLLATE "C" index without the
# collation), so autogenerate leaves them alone and tests/unit/test_migrations.py checks them.
ONE_DIALECT_INDEXES = {"ix_cases_unit_path_received", "ix_cases_unit_path_c_received"} | _thongke_indexes.ONE_DIALECT


def compared(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: what autogenerate compares between models and database."""
    return not (type_ == "index" and name in ONE_DIALECT_INDEXES)
