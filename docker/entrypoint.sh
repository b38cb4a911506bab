#!/bin/sh
# The api container's entrypoint: production secrets that survive re-creation, then
# the command (`aura serve` by default).
#
# AURA_MASTER_KEY wraps the vault's data keys and AURA_JWT_SECRET signs tokens: both
# must stay the same for the life of the database, or every stored secret becomes
# unreadable and every issued token invalid. Each is taken from the environment when
# set there; otherwise it is read from $AURA_SECRETS_DIR (a directory on the named
# volume), and generated there on the very first start. The container itself keeps
# nothing: re-creating it (a new image, `docker compose up --force-recreate`) finds
# the same files on the volume.
set -eu

secrets_dir="${AURA_SECRETS_DIR:-/var/lib/aura/secrets}"
umask 077

if ! mkdir -p "$secrets_dir" 2>/dev/null || [ ! -w "$secrets_dir" ]; then
    echo "aura: cannot write to $secrets_dir (uid $(id -u)): mount a volume the aura" \
        "user owns there, or set AURA_MASTER_KEY and AURA_JWT_SECRET" >&2
    exit 78  # EX_CONFIG
fi

# provide NAME FILE PYTHON: export NAME from the environment, else from FILE, creating
# FILE from PYTHON's output when it does not exist yet.
provide() {
    name=$1
    file="$secrets_dir/$2"
    eval "current=\${$name:-}"
    if [ -n "$current" ]; then
        return 0
    fi
    if [ ! -s "$file" ]; then
        tmp="$file.$$"
        python -c "$3" >"$tmp"
        # `ln` fails when the file exists: of two containers starting at once on the
        # same volume, one writes the secret and both use that one.
        if ! ln "$tmp" "$file" 2>/dev/null && [ ! -s "$file" ]; then
            rm -f "$tmp"
            echo "aura: cannot create $file" >&2
            exit 73  # EX_CANTCREAT
        fi
        rm -f "$tmp"
        echo "aura: generated $name into $file (keep this volume, or back the file up)" >&2
    fi
    value=$(cat "$file")
    export "$name=$value"
}

provide AURA_MASTER_KEY master-key \
    'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'
provide AURA_JWT_SECRET jwt-secret 'import secrets; print(secrets.token_urlsafe(48))'

exec "$@"
