# One image for every VectorWatch service (broker, ingest, rules, api, notifier, simulator); docker-compose.yml picks
# the entry point per container. Node 24 runs the TypeScript sources directly (type stripping): no build step.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; no install scripts (the `node` dev package that pins Node 24 for npm scripts is not
# needed: the base image is Node 24). Optional prebuilt N-API packages come from the registry as ordinary packages.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    MQTT_HOST=0.0.0.0 \
    HTTP_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 1883 8080
# The one-process stack (`npm start`); compose overrides the command per service.
CMD ["node", "main.ts"]
