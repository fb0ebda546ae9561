"""Writes that belong to the platform itself."""

from django.contrib.sessions.models import Session
from django.utils import timezone


def purger_sessions_expirees():
    """Delete expired sessions, so that a stolen old cookie is worth nothing; returns the count."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
