#!/usr/bin/env bash
# Builds the Momentum image and smoke-tests it with podman on this machine: PostgreSQL beside a server and a worker
# (what compose.yaml runs), health, the demo sign-in over HTTP, ingestion through the Segment API, SIGTERM during
# ingestion (nothing acknowledged lost), the refusals at start (no MOMENTUM_SECRET on PostgreSQL, no PostgreSQL yet)
# and the embedded-database variant. Tears everything down at the end.
#
#   bash scripts/container-smoke.sh            (as root; installs podman and debootstrap from Debian when missing)
#
# No container registry is reachable here: the Debian base image is made with debootstrap (once, cached) and
# imported under the name the Dockerfile uses; PostgreSQL runs from a local stand-in image
# (scripts/container/postgres-standin.Containerfile) instead of docker.io/library/postgres:15.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=docker.io/library/debian:bookworm-slim
IMAGE=localhost/momentum:smoke
PG_IMAGE=localhost/momentum-postgres-standin:15
PG_PORT=55432
APP_PORT=3300
PREFIX=momentum-smoke
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/momentum-container"
SECRET="smoke-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PG_PASSWORD="smoke-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DATABASE_URL="postgres://momentum:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/momentum"
T0=$(date +%s)

step() { printf '\n==== %s (%ss) ====\n' "$*" "$(($(date +%s) - T0))"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
elapsed() { echo $(($(date +%s) - $1)); }

# podman here: runc with the cgroupfs manager, host networking, and no default ulimits (the sandbox refuses them).
export CONTAINERS_CONF="$CACHE/containers.conf"
mkdir -p "$CACHE"
cat > "$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = []
netns = "host"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF

cleanup() {
  podman rm -f -t 0 "$PREFIX-server" "$PREFIX-worker" "$PREFIX-postgres" "$PREFIX-embedded" >/dev/null 2>&1 || true
  podman volume rm -f "$PREFIX-pgdata" "$PREFIX-data" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

step "Tools"
if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
  [ "$(id -u)" -eq 0 ] || fail "podman and debootstrap are missing: install them (apt-get install podman debootstrap runc)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman debootstrap runc >/dev/null
fi
podman --version

step "Debian base image ($BASE)"
if podman image exists "$BASE"; then
  echo "cached"
else
  t=$(date +%s)
  if [ ! -f "$CACHE/rootfs/etc/debian_version" ]; then
    rm -rf "$CACHE/rootfs"
    debootstrap --variant=minbase bookworm "$CACHE/rootfs" http://deb.debian.org/debian >/dev/null
  fi
  (cd "$CACHE/rootfs" && tar -c . | podman import - "$BASE" >/dev/null)
  echo "made with debootstrap in $(elapsed "$t") s"
fi

# Behind this workplace's TLS-intercepting egress proxy, the build trusts the host's CA bundle (Dockerfile: EXTRA_CA_FILE).
CA_ARGS=()
CA_FILE="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
if [ -f "$CA_FILE" ]; then
  CA_ARGS=(-v "$CA_FILE:/run/extra-ca.crt:ro" --build-arg EXTRA_CA_FILE=/run/extra-ca.crt)
fi

step "PostgreSQL 15 stand-in image"
t=$(date +%s)
podman build --network host -q -t "$PG_IMAGE" -f scripts/container/postgres-standin.Containerfile scripts/container >/dev/null
echo "built in $(elapsed "$t") s"

step "Momentum image"
t=$(date +%s)
podman build --format docker --network host "${CA_ARGS[@]}" -t "$IMAGE" . > "$CACHE/build.log" 2>&1 || { tail -40 "$CACHE/build.log"; fail "the image did not build"; }
BUILD_S=$(elapsed "$t")
SIZE_MB=$(( $(podman image inspect --format '{{.Size}}' "$IMAGE") / 1000000 ))
echo "built in ${BUILD_S} s, ${SIZE_MB} MB"
podman run --rm --entrypoint id "$IMAGE" | grep -q 'uid=10001(momentum)' || fail "the image does not run as the momentum user"
if podman run --rm --entrypoint sh "$IMAGE" -c 'ls /app; ls /app/src/modules/*/*.test.ts 2>/dev/null; ls -a /app | grep -E "^\.env$|^web$|^test$|^\.git$"' | grep -qE 'test\.ts|^web$|^test$|^\.env$|^\.git$'; then
  fail "the image carries tests, web sources, .env or .git"
fi

step "Refusal: PostgreSQL without MOMENTUM_SECRET"
set +e
out=$(podman run --rm -e DATABASE_URL="$DATABASE_URL" "$IMAGE" serve 2>&1); code=$?
set -e
[ "$code" -eq 1 ] && grep -q 'MOMENTUM_SECRET: is required with DATABASE_URL' <<<"$out" || fail "expected exit 1 naming MOMENTUM_SECRET, got $code: $out"
echo "exit 1: $(grep -o 'MOMENTUM_SECRET: is required[^.]*' <<<"$out")"

run_app() { # name, command...
  local name=$1; shift
  podman run -d --name "$PREFIX-$name" \
    -e DATABASE_URL="$DATABASE_URL" -e MOMENTUM_SECRET="$SECRET" -e PORT="$APP_PORT" -e DATABASE_WAIT_SECONDS=120 \
    -e PUBLIC_URL="http://127.0.0.1:$APP_PORT" "$IMAGE" "$@" >/dev/null
}

step "Server and worker start before PostgreSQL (they wait)"
t=$(date +%s)
run_app server serve --no-worker
run_app worker worker
sleep 3
podman logs "$PREFIX-server" 2>&1 | grep -q 'Waiting for PostgreSQL at 127.0.0.1:'"$PG_PORT" || { podman logs "$PREFIX-server"; fail "the server did not say it waits for PostgreSQL"; }
podman logs "$PREFIX-server" 2>&1 | grep -m1 'Waiting for PostgreSQL'
podman volume create "$PREFIX-pgdata" >/dev/null
podman run -d --name "$PREFIX-postgres" -e POSTGRES_USER=momentum -e POSTGRES_PASSWORD="$PG_PASSWORD" -e POSTGRES_DB=momentum \
  -e PGPORT="$PG_PORT" -v "$PREFIX-pgdata:/var/lib/postgresql/data" "$PG_IMAGE" >/dev/null

step "Ready"
ready=""
for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:$APP_PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
  podman container exists "$PREFIX-server" && [ "$(podman inspect -f '{{.State.Running}}' "$PREFIX-server")" = true ] || { podman logs "$PREFIX-server"; fail "the server exited"; }
  sleep 1
done
[ -n "$ready" ] || { podman logs "$PREFIX-server" | tail -30; fail "/readyz did not answer 200 within 180 s"; }
READY_S=$(elapsed "$t")
echo "/readyz 200 after ${READY_S} s (PostgreSQL started 3 s after the server; migrations and the demo seed included)"
podman healthcheck run "$PREFIX-server" >/dev/null && echo "image HEALTHCHECK: healthy"
[ "$(podman inspect -f '{{.State.Running}}' "$PREFIX-worker")" = true ] || { podman logs "$PREFIX-worker"; fail "the worker exited"; }
podman logs "$PREFIX-worker" 2>&1 | grep -qi 'worker' && echo "worker running"

step "Demo sign-in over HTTP"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"email":"admin@momentum.demo","password":"momentum-demo"}' "http://127.0.0.1:$APP_PORT/api/v1/auth/sign-in")
[ "$code" = 200 ] || fail "sign-in answered $code"
echo "sign-in 200"

step "Ingestion, and SIGTERM in the middle of it"
INGEST_KEY=$(podman exec "$PREFIX-server" node /app/bin/momentum.js apikey create --name smoke --scope ingest | tail -1)
ADMIN_KEY=$(podman exec "$PREFIX-server" node /app/bin/momentum.js apikey create --name smoke-admin | tail -1)
[ -n "$INGEST_KEY" ] && [ -n "$ADMIN_KEY" ] || fail "no API keys"
ACKED="$CACHE/acked.txt"
node scripts/container/ingest-load.mjs "http://127.0.0.1:$APP_PORT" "$INGEST_KEY" "$ACKED" 20 &
LOAD=$!
sleep 4
t=$(date +%s)
podman stop -t 30 "$PREFIX-server" >/dev/null
STOP_S=$(elapsed "$t")
wait "$LOAD" || true
echo "server stopped by SIGTERM in ${STOP_S} s; exit code $(podman inspect -f '{{.State.ExitCode}}' "$PREFIX-server")"
[ "$(podman inspect -f '{{.State.ExitCode}}' "$PREFIX-server")" = 0 ] || { podman logs "$PREFIX-server" | tail -20; fail "the server did not exit cleanly on SIGTERM"; }
podman start "$PREFIX-server" >/dev/null
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$APP_PORT/readyz" >/dev/null 2>&1 && break; sleep 1; done
ACKED_N=$(wc -l < "$ACKED")
[ "$ACKED_N" -gt 0 ] || fail "no batch was acknowledged before the stop"
MISSING=$(node scripts/container/ingest-load.mjs --verify "http://127.0.0.1:$APP_PORT" "$ADMIN_KEY" "$ACKED")
[ "$MISSING" = 0 ] || fail "$MISSING acknowledged events are missing after SIGTERM"
echo "$ACKED_N acknowledged events, all stored after the restart"

step "Embedded database variant (one container, a volume for /data)"
t=$(date +%s)
podman volume create "$PREFIX-data" >/dev/null
podman run -d --name "$PREFIX-embedded" -e PORT=3301 -v "$PREFIX-data:/data" "$IMAGE" >/dev/null
for _ in $(seq 1 180); do curl -fsS "http://127.0.0.1:3301/readyz" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "http://127.0.0.1:3301/readyz" >/dev/null || { podman logs "$PREFIX-embedded" | tail -20; fail "the embedded variant did not get ready"; }
EMBEDDED_S=$(elapsed "$t")
MEM=$(podman stats --no-stream --format '{{.MemUsage}}' "$PREFIX-server" "$PREFIX-worker" "$PREFIX-postgres" "$PREFIX-embedded" 2>/dev/null | tr '\n' ';' || true)
echo "ready in ${EMBEDDED_S} s (first start: migrations and the demo seed)"

step "Done"
TOTAL_S=$(elapsed "$T0")
echo "image ${SIZE_MB} MB, built in ${BUILD_S} s; compose-style stack ready in ${READY_S} s; SIGTERM stop ${STOP_S} s; embedded ready in ${EMBEDDED_S} s; memory: ${MEM:-n/a}; total ${TOTAL_S} s"
printf '{"smoke":"container","image_mb":%s,"build_s":%s,"ready_s":%s,"stop_s":%s,"embedded_ready_s":%s,"acked_events":%s,"missing":0,"total_s":%s}\n' \
  "$SIZE_MB" "$BUILD_S" "$READY_S" "$STOP_S" "$EMBEDDED_S" "$ACKED_N" "$TOTAL_S"
