# Aura API image. Needs an external PostgreSQL with pgvector: set DATABASE_URL
# (see docker-compose.yml). Runs in production mode as the unprivileged user `aura`;
# migrations run at start-up, and no demo data is ever loaded. The entrypoint
# (docker/entrypoint.sh) keeps the master key and JWT secret on the volume mounted at
# /var/lib/aura unless they come from the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AURA_ENV=production \
    AURA_HOME=/var/lib/aura \
    AURA_SECRETS_DIR=/var/lib/aura/secrets

RUN useradd --create-home --home-dir /home/aura --shell /usr/sbin/nologin --uid 10001 aura \
    # Owned by aura in the image: Docker copies a mount point's owner into a new named
    # volume, so the volume is writable by the non-root user.
    && mkdir -p /var/lib/aura/secrets \
    && chown -R aura:aura /var/lib/aura \
    && chmod 0700 /var/lib/aura/secrets

WORKDIR /app
COPY . /app

# Editable on purpose: Alembic's alembic.ini and migrations/ live next to the aura
# package, not inside it (aura/db/migrate.py finds them two levels above the
# package), so a regular `pip install .` would install code that cannot migrate.
# Switch to `pip install .` once the migrations ship inside the package.
RUN pip install -e . \
    && install -m 0755 docker/entrypoint.sh /usr/local/bin/aura-entrypoint

USER aura
VOLUME ["/var/lib/aura"]

EXPOSE 8000

# Readiness, not mere liveness: database reachable, migrations at head, realtime
# listener connected (GET /ready).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4)"]

ENTRYPOINT ["aura-entrypoint"]
CMD ["aura", "serve", "--host", "0.0.0.0"]
