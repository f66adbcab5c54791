"""Old name of part of storage.models (models are filed by concept there now): import from
storage.models. Kept while work started on this name lands; nothing in the tree uses it."""

from storage.models import *  # noqa: F403
