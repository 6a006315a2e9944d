#!/usr/bin/env bash
# Builds the Momentum image and smoke-tests it with podman on this machine: compose.yaml itself (PostgreSQL, a server
# and a worker, through podman-compose), health, the demo sign-in over HTTP, ingestion through the Segment API, SIGTERM
# during ingestion (nothing acknowledged lost), the refusals at start (no MOMENTUM_SECRET on PostgreSQL, PostgreSQL
# not answering within the bound) and the embedded-database variant. Tears everything down at the end.
#
#   bash scripts/container-smoke.sh       (as root; installs podman, podman-compose and debootstrap when missing)
#
# No container registry is reachable here: the Debian base image is made with debootstrap (once, cached) and
# imported under the name the Dockerfile uses, and PostgreSQL 15 runs from a local image built from Debian's package
# (scripts/container/postgres-standin.Containerfile), tagged for the run as the postgres:15 that compose.yaml names.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=docker.io/library/debian:bookworm-slim
IMAGE=localhost/momentum:latest
PG_IMAGE=localhost/momentum-postgres-standin:15
PG_OFFICIAL=docker.io/library/postgres:15
APP_PORT=3300
PREFIX=momentum-smoke

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/momentum-container"
SECRET="smoke-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PG_PASSWORD="smoke-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
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

COMPOSE_DIR="$CACHE/compose"
compose() { (cd "$COMPOSE_DIR" && podman-compose -p "$PREFIX" "$@"); }
cleanup() {
  if [ -f "$COMPOSE_DIR/compose.yaml" ]; then compose down -v >/dev/null 2>&1 || true; fi
  podman rm -f -v -t 0 $(podman ps -aq --filter "label=io.podman.compose.project=$PREFIX") "$PREFIX-embedded" "$PREFIX-refused" >/dev/null 2>&1 || true
  podman network rm -f "${PREFIX}_default" >/dev/null 2>&1 || true
  podman volume rm -f "${PREFIX}_pgdata" "$PREFIX-data" >/dev/null 2>&1 || true
  # The stand-in answers to postgres:15 only for the run.
  podman untag "$PG_IMAGE" "$PG_OFFICIAL" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

step "Tools"
if ! command -v podman >/dev/null || ! command -v podman-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  [ "$(id -u)" -eq 0 ] || fail "podman, podman-compose or debootstrap is missing: apt-get install podman podman-compose debootstrap runc"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman podman-compose debootstrap runc >/dev/null
fi
podman --version; podman-compose version 2>/dev/null | grep -i 'podman-compose' | head -1

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
podman run --rm --network host --entrypoint id "$IMAGE" | grep -q 'uid=10001(momentum)' || fail "the image does not run as the momentum user"
if podman run --rm --network host --entrypoint sh "$IMAGE" -c 'ls /app; ls /app/src/modules/*/*.test.ts 2>/dev/null; ls -a /app | grep -E "^\.env$|^web$|^test$|^\.git$"' | grep -qE 'test\.ts|^web$|^test$|^\.env$|^\.git$'; then
  fail "the image carries tests, web sources, .env or .git"
fi

step "Refusals at start"
set +e
out=$(podman run --rm --network host -e DATABASE_URL="postgres://momentum:x@127.0.0.1:1/momentum" "$IMAGE" serve 2>&1); code=$?
set -e
[ "$code" -eq 1 ] && grep -q 'MOMENTUM_SECRET: is required with DATABASE_URL' <<<"$out" || fail "expected exit 1 naming MOMENTUM_SECRET, got $code: $out"
echo "no MOMENTUM_SECRET on PostgreSQL: exit 1, $(grep -o 'MOMENTUM_SECRET: is required[^.]*' <<<"$out")"
set +e
out=$(podman run --rm --network host -e DATABASE_URL="postgres://momentum:x@127.0.0.1:1/momentum" -e MOMENTUM_SECRET="$SECRET" \
  -e DATABASE_WAIT_SECONDS=3 "$IMAGE" serve 2>&1); code=$?
set -e
[ "$code" -eq 1 ] && grep -q 'Waiting for PostgreSQL' <<<"$out" && grep -q 'did not answer within 3 s' <<<"$out" || fail "expected waiting, then exit 1, got $code: $out"
echo "PostgreSQL not answering: $(grep -c 'Waiting for PostgreSQL' <<<"$out") waiting messages, then exit 1: $(grep -o 'did not answer within 3 s' <<<"$out")"

step "compose.yaml up (podman-compose)"
t=$(date +%s)
podman tag "$PG_IMAGE" "$PG_OFFICIAL"
rm -rf "$COMPOSE_DIR" && mkdir -p "$COMPOSE_DIR"
cp compose.yaml "$COMPOSE_DIR/"
sed -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$PG_PASSWORD|" -e "s|^MOMENTUM_SECRET=.*|MOMENTUM_SECRET=$SECRET|" \
  -e "s|^PUBLIC_URL=.*|PUBLIC_URL=http://127.0.0.1:$APP_PORT|" -e "s|^MOMENTUM_PORT=.*|MOMENTUM_PORT=$APP_PORT|" .env.example > "$COMPOSE_DIR/.env"
compose up -d > "$CACHE/compose-up.log" 2>&1 || { cat "$CACHE/compose-up.log"; fail "podman-compose up failed"; }
SERVER=$(podman ps -q --filter "label=io.podman.compose.project=$PREFIX" --filter "label=com.docker.compose.service=momentum")
WORKER=$(podman ps -q --filter "label=io.podman.compose.project=$PREFIX" --filter "label=com.docker.compose.service=worker")
[ -n "$SERVER" ] && [ -n "$WORKER" ] || { cat "$CACHE/compose-up.log"; fail "compose did not start a server and a worker"; }

step "Ready"
ready=""
for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:$APP_PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
  [ "$(podman inspect -f '{{.State.Running}}' "$SERVER")" = true ] || { podman logs "$SERVER"; fail "the server exited"; }
  sleep 1
done
[ -n "$ready" ] || { podman logs "$SERVER" | tail -30; fail "/readyz did not answer 200 within 180 s"; }
READY_S=$(elapsed "$t")
echo "/readyz 200 after ${READY_S} s from compose up (migrations and the demo seed included)"
podman logs "$SERVER" 2>&1 | grep -m1 'Waiting for PostgreSQL' || echo "(PostgreSQL answered before the server asked)"
podman healthcheck run "$SERVER" >/dev/null 2>&1 && echo "image HEALTHCHECK: healthy" || fail "the image HEALTHCHECK did not pass"
[ "$(podman inspect -f '{{.State.Running}}' "$WORKER")" = true ] || { podman logs "$WORKER"; fail "the worker exited"; }
echo "worker running"

step "Demo sign-in over HTTP"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"email":"admin@momentum.demo","password":"momentum-demo"}' "http://127.0.0.1:$APP_PORT/api/v1/auth/sign-in")
[ "$code" = 200 ] || fail "sign-in answered $code"
echo "sign-in 200"

step "Ingestion, and SIGTERM in the middle of it"
INGEST_KEY=$(podman exec "$SERVER" node /app/bin/momentum.js apikey create --name smoke --scope ingest | tail -1)
ADMIN_KEY=$(podman exec "$SERVER" node /app/bin/momentum.js apikey create --name smoke-admin | tail -1)
[ -n "$INGEST_KEY" ] && [ -n "$ADMIN_KEY" ] || fail "no API keys"
ACKED="$CACHE/acked.txt"
node scripts/container/ingest-load.mjs "http://127.0.0.1:$APP_PORT" "$INGEST_KEY" "$ACKED" 20 &
LOAD=$!
sleep 4
t=$(date +%s)
podman stop -t 30 "$SERVER" >/dev/null
STOP_S=$(elapsed "$t")
wait "$LOAD" || true
echo "server stopped by SIGTERM in ${STOP_S} s; exit code $(podman inspect -f '{{.State.ExitCode}}' "$SERVER")"
[ "$(podman inspect -f '{{.State.ExitCode}}' "$SERVER")" = 0 ] || { podman logs "$SERVER" | tail -20; fail "the server did not exit cleanly on SIGTERM"; }
podman start "$SERVER" >/dev/null
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$APP_PORT/readyz" >/dev/null 2>&1 && break; sleep 1; done
ACKED_N=$(wc -l < "$ACKED")
[ "$ACKED_N" -gt 0 ] || fail "no batch was acknowledged before the stop"
MISSING=$(node scripts/container/ingest-load.mjs --verify "http://127.0.0.1:$APP_PORT" "$ADMIN_KEY" "$ACKED")
[ "$MISSING" = 0 ] || fail "$MISSING acknowledged events are missing after SIGTERM"
echo "$ACKED_N acknowledged events, all stored after the restart"

step "Embedded database variant (one container, a volume for /data)"
t=$(date +%s)
podman volume create "$PREFIX-data" >/dev/null
podman run -d --name "$PREFIX-embedded" --network host -e PORT=3301 -v "$PREFIX-data:/data" "$IMAGE" >/dev/null
for _ in $(seq 1 180); do curl -fsS "http://127.0.0.1:3301/readyz" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "http://127.0.0.1:3301/readyz" >/dev/null || { podman logs "$PREFIX-embedded" | tail -20; fail "the embedded variant did not get ready"; }
EMBEDDED_S=$(elapsed "$t")
MEM=$(podman stats --no-stream --format '{{.Name}} {{.MemUsage}}' $(podman ps -q --filter "label=io.podman.compose.project=$PREFIX") "$PREFIX-embedded" 2>/dev/null | sed 's| / [0-9.]*GB||' | tr '\n' ';' || true)
echo "ready in ${EMBEDDED_S} s (first start: migrations and the demo seed)"

step "Done"
TOTAL_S=$(elapsed "$T0")
echo "image ${SIZE_MB} MB, built in ${BUILD_S} s; compose stack ready in ${READY_S} s; SIGTERM stop ${STOP_S} s; embedded ready in ${EMBEDDED_S} s; memory: ${MEM:-n/a}; total ${TOTAL_S} s"
printf '{"smoke":"container","image_mb":%s,"build_s":%s,"ready_s":%s,"stop_s":%s,"embedded_ready_s":%s,"acked_events":%s,"missing":0,"total_s":%s}\n' \
  "$SIZE_MB" "$BUILD_S" "$READY_S" "$STOP_S" "$EMBEDDED_S" "$ACKED_N" "$TOTAL_S"
