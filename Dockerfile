# Momentum: one image for `serve`, `worker` and every CLI command (docs/operations.md).
#   docker build -t momentum .        docker run -p 3000:3000 -v momentum-data:/data momentum
# Node.js 24 LTS comes from the npm registry (node-linux-<arch>), like everywhere else in Momentum's tooling.
ARG DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS toolchain
ARG NODE_VERSION=24.21.0
ARG NPM_VERSION=11.21.2
ARG TARGETARCH
# Behind a TLS-intercepting proxy, mount its CA bundle and name it here (podman build -v FILE:/run/extra-ca.crt:ro
# --build-arg EXTRA_CA_FILE=/run/extra-ca.crt); the downloads and npm ci then trust it. Nothing of it stays in the image.
ARG EXTRA_CA_FILE=
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN set -eu; \
    case "${TARGETARCH:-$(dpkg --print-architecture)}" in amd64) arch=x64 ;; arm64) arch=arm64 ;; *) echo "unsupported architecture" >&2; exit 1 ;; esac; \
    mkdir -p /opt/node /opt/npm; \
    curl ${EXTRA_CA_FILE:+--cacert "$EXTRA_CA_FILE"} -fsSL "https://registry.npmjs.org/node-linux-${arch}/-/node-linux-${arch}-${NODE_VERSION}.tgz" | tar -xz -C /opt/node --strip-components=1; \
    curl ${EXTRA_CA_FILE:+--cacert "$EXTRA_CA_FILE"} -fsSL "https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz" | tar -xz -C /opt/npm --strip-components=1; \
    ln -s /opt/node/bin/node /usr/local/bin/node; \
    printf '#!/bin/sh\nexec node /opt/npm/bin/npm-cli.js "$@"\n' > /usr/local/bin/npm; chmod +x /usr/local/bin/npm; \
    node --version; npm --version

# Build: every dependency, the console, then only what runs.
FROM toolchain AS build
ARG EXTRA_CA_FILE=
WORKDIR /app
COPY package.json package-lock.json ./
RUN if [ -n "$EXTRA_CA_FILE" ]; then export npm_config_cafile="$EXTRA_CA_FILE" NODE_EXTRA_CA_CERTS="$EXTRA_CA_FILE"; fi; \
    npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && find src -name '*.test.ts' -delete \
 && rm -rf web test bench scripts/build-web.js vite.config.ts vitest.config.ts

FROM ${DEBIAN_IMAGE}
# tini is PID 1: it forwards SIGTERM to Node (which drains requests and jobs, then exits) and reaps children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 momentum \
 && useradd --system --uid 10001 --gid momentum --home-dir /app --shell /usr/sbin/nologin momentum \
 && mkdir -p /data && chown momentum:momentum /data
COPY --from=toolchain /opt/node/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
COPY --from=build /app/dist ./dist
COPY --from=build /app/examples ./examples
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    MOMENTUM_DATA_DIR=/data
USER momentum
# No VOLUME: on PostgreSQL nothing in /data needs keeping; the embedded variant mounts one (-v momentum-data:/data).
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/momentum.js"]
CMD ["serve"]
