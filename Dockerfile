# syntax=docker/dockerfile:1
# Image of the PLIE back-office: one image for every application service of
# docker-compose.yml (migrate, web, worker, beat); only the command differs.
FROM python:3.11-slim-bookworm

# Fixed paths inside the image: static files are collected at build time into STATIC_ROOT;
# MEDIA_ROOT (generated files) and CELERY_DATA_DIR (beat schedule) are volume mount points.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/var/static \
    MEDIA_ROOT=/app/var/media \
    CELERY_DATA_DIR=/app/var/celery

# WeasyPrint 70 (PDF) loads Pango and HarfBuzz at import time (WeasyPrint docs, Debian >= 11
# with wheels: libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0); DejaVu is the fallback
# font so that a PDF never lacks glyphs (accents, €).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Non-root user; the code stays owned by root (read-only for the application).
RUN groupadd --system --gid 10001 plie \
    && useradd --system --uid 10001 --gid plie --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin plie

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Static files are part of the image (served by WhiteNoise with hashed, compressed names).
# The production settings require SECRET_KEY and ALLOWED_HOSTS even to collect them: dummy
# values given on this line only, never persisted in the image (not ENV).
RUN PLIE_MODE=production SECRET_KEY=build-only-dummy-key-not-used-at-runtime ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput --verbosity 1 \
    && mkdir -p /app/var/media /app/var/celery \
    && chown plie:plie /app/var/media /app/var/celery

USER plie

EXPOSE 8000

# gunicorn takes its number of workers from WEB_CONCURRENCY (default 1); access log on stdout.
# The access log keeps the path, never the query string nor the referrer: searches by a person's
# name (?q=…) and filters on social benefits would otherwise land in the logs.
CMD ["gunicorn", "plie.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s %(L)s \"%(a)s\"", \
     "--error-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm"]
