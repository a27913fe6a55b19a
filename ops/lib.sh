# Shared by ops/run, ops/test and ops/stop. Sourced, never executed.
# Installs what is missing, builds, and manages private PostgreSQL clusters
# under the project's .data folder (one for running, one for tests).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="/opt/swift/usr/bin:$PATH"

log() { printf '[ops] %s\n' "$*" >&2; }

# Installs the system packages the build and the clusters need, only if missing.
ensure_packages() {
    local missing=()
    for pkg in libpq-dev libssl-dev postgresql pkg-config curl "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        if [ "$(id -u)" -ne 0 ]; then
            log "need root to install ${missing[*]}"; exit 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    command -v swift >/dev/null || { log "swift toolchain not found (expected in /opt/swift)"; exit 1; }
}

pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || { log "PostgreSQL server binaries not found"; exit 1; }
    printf '%s\n' "$dir"
}

# Runs a command as the cluster owner: initdb and postgres refuse to run as root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_cluster NAME PORT: initdb (once) into .data/NAME/pg, start it on a unix
# socket in .data/NAME/sock and on 127.0.0.1:PORT. Safe to call when running.
# Exports DATABASE_URL for the superuser role `countersign`.
start_cluster() {
    local name=$1 port=$2 bindir
    bindir=$(pg_bindir)
    local base="$ROOT/.data/$name"
    local data="$base/pg" sock="$base/sock"
    mkdir -p "$base" "$sock"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$base" "$sock"
        # The cluster owner must be able to reach the project folder.
        if ! runuser -u postgres -- test -x "$base"; then
            log "user postgres cannot reach $base; make its parent folders traversable (chmod o+x)"; exit 1
        fi
    fi
    if [ ! -s "$data/PG_VERSION" ]; then
        log "initdb $data"
        as_owner "$bindir/initdb" -D "$data" -U countersign --auth-local=trust --auth-host=scram-sha-256 \
            -E UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
max_connections = 300
fsync = ${PG_FSYNC:-on}
shared_buffers = 128MB
log_min_messages = warning
CONF
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        log "starting PostgreSQL ($name) on port $port"
        as_owner "$bindir/pg_ctl" -D "$data" -l "$base/postgres.log" -w -t 60 start >/dev/null
    fi
    export DATABASE_URL="postgresql://countersign@/countersign?host=$sock&port=$port"
    # The database named after the role is the default; create it once.
    if ! psql "postgresql://countersign@/postgres?host=$sock&port=$port" -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'countersign'" | grep -q 1; then
        psql "postgresql://countersign@/postgres?host=$sock&port=$port" -qc "CREATE DATABASE countersign" >/dev/null
    fi
}

stop_cluster() {
    local name=$1 bindir
    bindir=$(pg_bindir)
    local data="$ROOT/.data/$name/pg"
    if [ -s "$data/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        log "stopping PostgreSQL ($name)"
        as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
}

# A 32-byte master key (base64) for sealing secrets, created once per data folder.
ensure_master_key() {
    local file="$ROOT/.data/$1/master.key"
    if [ ! -s "$file" ]; then
        umask 077
        head -c 32 /dev/urandom | base64 >"$file"
    fi
    export COUNTERSIGN_MASTER_KEY_FILE="$file"
}
