# Aoun: a slim image that runs `python -m bot` as a non-root user, with the database on a volume.
#   docker build -t aoun .
#   docker run -d --name aoun --env-file .env -v aoun-data:/data aoun
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/aoun.sqlite3 \
    BACKUP_DIR=/data/backups

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin aoun \
    && mkdir -p /data /app \
    && chown aoun:aoun /data

WORKDIR /app
# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY locales ./locales
RUN pip install . && rm -rf /root/.cache

USER aoun
VOLUME ["/data"]
# Webhook mode listens on PORT (8443 by default); long polling needs no port.
EXPOSE 8443

# Healthy while the scheduler ticks and the sender beats (see `python -m bot health`).
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "health"]

STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
