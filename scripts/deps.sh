#!/usr/bin/env bash
# scripts/deps.sh: install what building and testing omnichannel needs on
# Debian 12, and nothing if it is all there.  Run as root.
set -euo pipefail

PACKAGES=(
    make gcc libc6-dev pkg-config perl
    postgresql-15 postgresql-server-dev-15   # server, pg_regress, isolation tester, PGXS
    libicu-dev                               # contact-point normalization
    g++ libphonenumber-dev                   # phone numbers: the C++ shim (src/core/phone_shim.cpp)
    libipc-run-perl                          # TAP tests: prove and PostgreSQL::Test::Cluster
    python3-psycopg2 libpostgresql-jdbc-java # BI drivers for t/030_bi_clients.pl (psycopg2, pgjdbc)
    openjdk-17-jdk-headless                  # javac/java for its JDBC client
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
