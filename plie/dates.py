"""Local days and the timestamps they span."""

import datetime

from django.db.models import Q
from django.utils import timezone


def debut_du_jour(jour):
    """Midnight starting ``jour`` in the project's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))


def pendant(champ, debut=None, fin=None):
    """Q: the timestamp ``champ`` falls on a local day from ``debut`` to ``fin`` (both included,
    either may be None). A range on the raw column rather than ``__date``, so that a plain index
    on the column serves it."""
    condition = Q()
    if debut is not None:
        condition &= Q(**{f"{champ}__gte": debut_du_jour(debut)})
    if fin is not None:
        condition &= Q(**{f"{champ}__lt": debut_du_jour(fin + datetime.timedelta(days=1))})
    return condition
