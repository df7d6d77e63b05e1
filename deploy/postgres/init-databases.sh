#!/bin/bash
# Runs once, on the first start of the postgres container (docker-entrypoint-initdb.d): one role
# and one database per service, each database reachable only by its owner, so no service can read
# another's tables. The services' password comes from a secret file, never from the compose file.
set -euo pipefail

password_file="${HOTLINE_DB_PASSWORD_FILE:?HOTLINE_DB_PASSWORD_FILE must name the file holding the services database password}"
password="$(cat "$password_file")"
if [ "${#password}" -lt 16 ]; then
    echo "init-databases: the services' database password must be at least 16 characters" >&2
    exit 1
fi

for svc in ${HOTLINE_DATABASES:-intake dispatch feedback gateway}; do
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v svc="$svc" -v pw="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'svc', :'pw')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'svc')\gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'svc', :'svc', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'svc')\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'svc')\gexec
SQL
    echo "init-databases: database $svc ready (owner $svc)"
done
