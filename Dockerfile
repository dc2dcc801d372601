# dpscan's container image: `dpscan serve` by default, any dpscan command as arguments. Node 20
# slim, a non-root user, nothing written outside /var/lib/dpscan (the volume with the database),
# so it runs with a read-only root filesystem. Building and running it: docs/deploy.md.

# 1. Production dependencies only. better-sqlite3 downloads its prebuilt binary, or compiles with
#    the toolchain installed here (kept out of the final image).
FROM node:20-slim AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) needs the dev dependencies; the native module is then
# installed on its own.
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3 && npm cache clean --force

# 2. The build: every dependency (TypeScript), then dist/.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 3. The image: the files the npm package ships (package.json "files"), the production modules.
FROM node:20-slim
ENV NODE_ENV=production
RUN groupadd --system --gid 10001 dpscan \
  && useradd --system --uid 10001 --gid dpscan --home-dir /var/lib/dpscan --shell /usr/sbin/nologin dpscan \
  && mkdir -p /var/lib/dpscan /etc/dpscan \
  && chown dpscan:dpscan /var/lib/dpscan
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY src/store/migrations ./src/store/migrations
COPY src/sim/world/worlds ./src/sim/world/worlds
COPY rules ./rules
COPY reports ./reports
COPY schemas ./schemas
COPY deploy ./deploy
COPY examples ./examples
# `dpscan` on PATH: the entrypoint, and what manifests that set their own command call
# (deploy/kubernetes/scan-indexed-job.yaml, deploy/aws-batch/).
RUN ln -s /app/bin/dpscan.js /usr/local/bin/dpscan
USER 10001:10001
# The database, its lock, a schedule's reports and the rule-example cache (~/.cache) live here;
# relative paths resolve here too. HOME is set for a UID the image's passwd does not name.
ENV HOME=/var/lib/dpscan
WORKDIR /var/lib/dpscan
VOLUME ["/var/lib/dpscan"]
EXPOSE 8900
ENTRYPOINT ["dpscan"]
# Beyond loopback the service needs API tokens (DPSCAN_READ_TOKEN, DPSCAN_OPERATOR_TOKEN or a
# tokensFile): without them it refuses to start.
CMD ["--db", "/var/lib/dpscan/dpscan.db", "--config", "/etc/dpscan/dpscan.config.yaml", "serve", "--host", "0.0.0.0", "--port", "8900"]
