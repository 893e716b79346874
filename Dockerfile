# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BCRP_VAR_DIR=/var/lib/bcrp \
    BCRP_DEVTOOLS=false

RUN useradd --system --create-home --home-dir /app bcrp \
    && mkdir -p /var/lib/bcrp && chown bcrp /var/lib/bcrp
WORKDIR /app

COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY --chown=bcrp . .
RUN DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost DJANGO_SECRET_KEY=build \
    python manage.py collectstatic --noinput

USER bcrp
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
