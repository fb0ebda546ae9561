"""Housekeeping tasks of the platform itself (domain tasks live in their apps)."""

from celery import shared_task

from .services import purger_sessions_expirees as purger


@shared_task
def purger_sessions_expirees():
    return purger()
