FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY factcheck ./factcheck
COPY claims ./claims
COPY integrations ./integrations
COPY feeds ./feeds
COPY snapshots ./snapshots
COPY webhooks ./webhooks
COPY digests ./digests
RUN pip install .

# .dockerignore keeps the virtualenv, local databases, secrets and .git out of this copy.
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput

# The application runs as an unprivileged user that owns nothing but a scratch folder.
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin factcheck \
    && mkdir -p /app/run && chown factcheck /app/run
USER factcheck

EXPOSE 8000
CMD ["gunicorn", "factcheck.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
