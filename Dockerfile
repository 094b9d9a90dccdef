# One image for the stub, the notification sink and Locust in docker-compose.yml (and the `pod` those services
# share). Build it with `docker-compose build`, or `docker build -t firedrill:local .`.
FROM python:3.12-slim

# curl: the stub's fault-control API listens on the pod's loopback only, so faults are injected from inside it
# (`docker-compose exec stub curl ...`).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir . \
    && useradd --system --no-create-home --home-dir /app firedrill
USER firedrill

EXPOSE 8000
# The profile by path: an installed (non-editable) package does not find fixtures/profiles by name.
CMD ["firedrill", "stub", "--profile", "/app/fixtures/profiles/customerio.yaml", "--host", "127.0.0.1", "--port", "8000"]
