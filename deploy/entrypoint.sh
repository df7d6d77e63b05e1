#!/bin/sh
# Container entry point: `api` (default), `worker`, `migrate` (migrations + reference data), or any
# other command as is. Secrets arrive as files (Docker/Kubernetes secrets): for each setting below,
# NAME_FILE=/run/secrets/x is read into NAME, so no secret value sits in the compose file or in
# `docker inspect`.
set -eu

for name in $(env | sed -n 's/^\([A-Z0-9_]*\(_IDENTITY_SECRET\|_DATABASE_URL\|_REDIS_URL\)\)_FILE=.*/\1/p; s/^\(PGPASSWORD\)_FILE=.*/\1/p'); do
    file="$(printenv "${name}_FILE")"
    if [ ! -r "$file" ]; then
        echo "entrypoint: ${name}_FILE points to $file, which is missing or unreadable" >&2
        exit 1
    fi
    value="$(cat "$file")"
    export "$name=$value"
    unset "${name}_FILE"
done

: "${SERVICE:?SERVICE is not set (the image is built with --build-arg SERVICE=...)}"
PORT="${PORT:-8000}"

case "${1:-api}" in
    api)
        exec python -m "$SERVICE.manage" serve --host 0.0.0.0 --port "$PORT" --workers "${WEB_CONCURRENCY:-1}"
        ;;
    worker)
        exec python -m "$SERVICE.manage" worker
        ;;
    migrate)
        python -m "$SERVICE.manage" migrate
        exec python -m "$SERVICE.manage" seed
        ;;
    *)
        exec "$@"
        ;;
esac
