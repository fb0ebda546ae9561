"""A real Celery worker consumes a real task: Redis in CI, the embedded broker otherwise."""

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from plie.celery import app
from plie.tasks import purger_sessions_expirees

from .conftest import needs


def _redis_reachable():
    import redis

    try:
        return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def worker(tmp_path):
    if settings.REDIS_URL:
        needs("Redis", _redis_reachable(), f"aucune réponse de {settings.REDIS_URL}")
    else:
        # The embedded broker, in folders of this test only.
        queue, control = tmp_path / "queue", tmp_path / "control"
        queue.mkdir()
        control.mkdir()
        app.conf.broker_transport_options = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(control),
        }
        app.conf.result_backend = f"file://{tmp_path}"
        # Tasks run earlier in the session left a connection and a result store on the default
        # folders: drop them so that both follow the folders above.
        app.close()
        app.amqp._producer_pool = None
        app._local.__dict__.pop("backend", None)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as running:
        yield running


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_worker_purges_expired_sessions(worker):
    old = SessionStore()
    old.create()
    current = SessionStore()
    current.create()
    Session.objects.filter(session_key=old.session_key).update(expire_date=timezone.now() - timedelta(days=1))

    result = purger_sessions_expirees.delay()

    assert result.get(timeout=60) == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]


def test_the_purge_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["purger-sessions-expirees"]
    assert entry["task"] == purger_sessions_expirees.name
