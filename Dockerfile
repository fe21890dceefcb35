# syntax=docker/dockerfile:1
# Node 24 LTS, the version CI runs the suite on (README: Node.js versions).
# Build stage: full install (dev dependencies for tsc), then compile.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and compiled output only, as a non-root user.
FROM node:24-bookworm-slim
# A bounded old space keeps peak RSS under 300 MB; live data stays near 50 MB (docs/performance.md).
# An image never creates a demo organization: it starts against a real database (DATABASE_URL).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 MANAGEMENT_PORT=9464 \
    BOOTSTRAP_DEMO_ORGANIZATION=false NODE_OPTIONS=--max-old-space-size=256
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# `scim-connector migrate`, `scim-connector audit prune`: the CLI on the PATH (package.json `bin`).
RUN ln -s /app/dist/apps/connector/src/cli.js /usr/local/bin/scim-connector
# The image's `node` user, by number, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# 3000: /scim and /api. 9464: /health/live, /health/ready and /metrics (never published).
EXPOSE 3000 9464
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.MANAGEMENT_PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/connector/src/main.js"]
