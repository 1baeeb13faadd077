# qi-collaborative API. Build: docker build -t qi-collaborative .
# Run:   docker run -p 8000:8000 -v qi-data:/srv/data qi-collaborative
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group qi

WORKDIR /srv/app

# The pinned runtime closure first, so this layer is cached until requirements.lock changes.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# Editable, as in `make install`: app/migrate.py finds migrations/ next to app/.
COPY pyproject.toml README.md requirements.lock requirements-dev.lock ./
COPY app/ app/
COPY migrations/ migrations/
RUN pip install --no-deps --no-cache-dir -e .

# The SQLite database lives on a volume the service user owns.
RUN mkdir -p /srv/data && chown qi:qi /srv/data
VOLUME ["/srv/data"]
ENV QI_DATABASE_URL=sqlite:////srv/data/qi-collaborative.db \
    QI_DATA_DIR=/srv/data

USER qi
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=4)"]

# `serve` upgrades the database to the latest migration, then starts uvicorn.
CMD ["qicollab", "serve", "--host", "0.0.0.0", "--port", "8000"]
