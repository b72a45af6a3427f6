#!/bin/bash
# Runs once, after InfluxDB 2.x's initial setup (docker-entrypoint-initdb.d): maps the v1 database name that
# VectorWatch and Grafana query with InfluxQL to the bucket the setup created (DBRP mapping), as the default
# retention policy `autogen`. DOCKER_INFLUXDB_INIT_* and the admin token are set by the image's entrypoint.
set -euo pipefail
influx v1 dbrp create \
  --org "${DOCKER_INFLUXDB_INIT_ORG}" \
  --bucket-id "${DOCKER_INFLUXDB_INIT_BUCKET_ID}" \
  --db "${V1_DB_NAME:-vectorwatch}" \
  --rp autogen \
  --default
