"""Every model module, imported so that Base.metadata knows all tables (Alembic, create_all)."""

from storage import links as _links  # noqa: F401 - link_codes
from storage import models_officials as _officials  # noqa: F401 - stat_rollups, help_requests
from storage import rollups as _rollups  # noqa: F401 - keeps stat_rollups in step with cases
import storage.models_outbox  # noqa: F401 - outbox, trainings, report deadlines
from storage.models import Base

__all__ = ["Base"]
