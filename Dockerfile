# Everybody Sells in a container: `docker build -t everybody-sells .`, or `docker compose up -d`
# with docker-compose.yml. Settings come from the environment (see .env.example and
# docs/DEPLOY.md).

# Build stage: install the package and its dependencies into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot bot
COPY handlers handlers
COPY jobs jobs
COPY models models
RUN python -m venv /opt/venv
RUN /opt/venv/bin/python -m pip install .

# Runtime stage: the same base image, the virtual environment and an unprivileged user.
FROM python:3.11-slim
# /app/data: where to mount a volume for a SQLite database (DATABASE_URL=sqlite:////app/data/...).
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /app everybody-sells \
    && install -d -o everybody-sells -g everybody-sells /app/data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1
USER everybody-sells
WORKDIR /app
# HTTP mode: Slack's requests at /slack/events; /healthz for the health check (asked directly,
# never through an HTTP_PROXY the bot may be given for reaching Slack).
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:${PORT:-3000}/healthz', timeout=4)" || exit 1
# SIGTERM (docker stop) makes the bot finish the work it has acknowledged before it exits;
# give it the time: docker stop --time 60, or stop_grace_period in docker-compose.yml.
CMD ["everybody-sells", "run"]
