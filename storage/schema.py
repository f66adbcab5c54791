"""Every model module, imported so that Base.metadata knows all tables (Alembic, create_all)."""

from storage.models import Base

__all__ = ["Base"]
