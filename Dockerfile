# Aura API image. Needs an external PostgreSQL with pgvector: set DATABASE_URL
# (see docker-compose.yml). Migrations run at start-up; demo data is only seeded on
# the embedded database, never on an external one.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AURA_HOME=/home/aura/.aura

RUN useradd --create-home --home-dir /home/aura --shell /usr/sbin/nologin --uid 10001 aura

WORKDIR /app
COPY . /app

# Editable on purpose: Alembic's alembic.ini and migrations/ live next to the aura
# package, not inside it (aura/db/migrate.py finds them two levels above the
# package), so a regular `pip install .` would install code that cannot migrate.
# Switch to `pip install .` once the migrations ship inside the package.
RUN pip install -e .

USER aura

EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

CMD ["aura", "serve", "--host", "0.0.0.0"]
