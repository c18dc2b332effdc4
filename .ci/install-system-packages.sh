#!/usr/bin/env bash
# Debian packages the test suite uses; installed only when missing.
set -euo pipefail
PACKAGES=(ca-certificates prometheus postgresql-15 postgresql-client-15 python3-psycopg2 python3-psycopg libpostgresql-jdbc-java openjdk-17-jdk-headless)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
