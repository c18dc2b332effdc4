#!/usr/bin/env bash
# Debian packages the test suite uses; installed only when missing.
set -euo pipefail
PACKAGES=(
  ca-certificates
  # PromQL: the reference Prometheus the engine and API are compared with
  prometheus
  # PostgreSQL: a store, the SQL reference, and the wire-protocol clients
  postgresql-15 postgresql-client-15 python3-psycopg2 python3-psycopg libpostgresql-jdbc-java openjdk-17-jdk-headless
  # Stores: InfluxDB, ClickHouse (Debian's 18.16)
  influxdb clickhouse-server clickhouse-client
  # eBPF agent: BPF toolchain for native/ (built by npm install)
  clang libbpf-dev bpftool libelf-dev zlib1g-dev make gcc curl openssl iproute2
  # eBPF agent end-to-end tests: real servers and clients traced live
  redis-server redis-tools dnsmasq-base bind9-dnsutils
  # (a service the package may autostart on 3306 is left alone: the tests run private mariadbd)
  mariadb-server mariadb-client
)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
