#!/bin/sh
# Generates the secret files docker-compose.yml reads, unless they already exist.
#   deploy/make-secrets.sh [DIR]      (default: $HOTLINE_SECRETS_DIR or deploy/secrets)
# api_keys.yaml is NOT generated: write the real keys file yourself (format: demo/api_keys.yaml).
set -eu
dir="${1:-${HOTLINE_SECRETS_DIR:-$(dirname "$0")/secrets}}"
mkdir -p "$dir"
umask 077
for name in identity_secret db_password postgres_password; do
    if [ -s "$dir/$name" ]; then
        echo "kept      $dir/$name"
    else
        python3 -c 'import secrets; print(secrets.token_urlsafe(48))' >"$dir/$name"
        echo "generated $dir/$name"
    fi
done
if [ ! -s "$dir/api_keys.yaml" ]; then
    echo "missing   $dir/api_keys.yaml: write the production API keys there (see demo/api_keys.yaml for the format)" >&2
fi
