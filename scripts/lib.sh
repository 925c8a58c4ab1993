# scripts/lib.sh: helpers shared by test.sh, demo.sh and bench.sh.
# Source it; it defines variables and functions and changes nothing.
#
#   OC_ROOT     repository root
#   PG_CONFIG   pg_config of the PostgreSQL 15 server (Debian layout)
#   PG_BIN      its bindir; PGXS_DIR its pgxs directory
#   OC_USER     unprivileged OS user that owns throwaway clusters
#
# oc_cluster_start DIR  -> initdb + start a cluster in DIR/data on a Unix
#                          socket in DIR and a free port (sets PGHOST/PGPORT)
# oc_cluster_stop DIR   -> stop it (safe to call twice, or if never started)

OC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
OC_USER=${OC_USER:-postgres}

oc_log() { printf '== %s\n' "$*" >&2; }

oc_require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "run this as root: it installs packages and runs clusters as the '$OC_USER' user" >&2
        exit 2
    fi
}

# Set PG_BIN/PGXS_DIR once pg_config exists (after deps.sh).
oc_pg_paths() {
    PG_BIN=$("$PG_CONFIG" --bindir)
    # .../lib/pgxs/src/makefiles/pgxs.mk -> .../lib/pgxs
    PGXS_DIR=$(dirname "$(dirname "$(dirname "$("$PG_CONFIG" --pgxs)")")")
    export PG_BIN PGXS_DIR
}

# The unprivileged OS user: Debian's postgres, or one we create.
oc_ensure_user() {
    if ! id "$OC_USER" >/dev/null 2>&1; then
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$OC_USER"
    fi
}

# What every entry point does first (as root): install what is missing,
# find PostgreSQL, make sure the unprivileged user exists.
oc_prepare() {
    oc_require_root
    bash "$OC_ROOT/scripts/deps.sh"
    oc_pg_paths
    oc_ensure_user
}

# Run a command as the unprivileged user, keeping the environment we pass.
oc_as_user() {
    runuser -u "$OC_USER" -- "$@"
}

# Build with warnings as errors, then install (root).
oc_build_install() {
    oc_log "build (-Wall -Wextra -Werror) and install"
    make -C "$OC_ROOT" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" OC_WERROR=-Werror >/dev/null
    make -C "$OC_ROOT" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# A temp directory the unprivileged user owns.
oc_tempdir() {
    local d
    d=$(mktemp -d "${TMPDIR:-/tmp}/omnichannel.XXXXXX")
    chmod 755 "$d"
    chown "$OC_USER" "$d"
    echo "$d"
}

# A free TCP port on loopback (the cluster listens only on its socket, but
# the port number names the socket file and must not clash).
oc_free_port() {
    local p
    for p in $(seq 55400 55499); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && [ ! -e "/tmp/.s.PGSQL.$p" ]; then
            echo "$p"; return 0
        fi
    done
    echo "no free port in 55400-55499" >&2; return 1
}

# oc_cluster_start DIR [extra postgres -c settings...]
oc_cluster_start() {
    local dir=$1; shift
    local port opts=""
    port=$(oc_free_port)
    oc_as_user "$PG_BIN/initdb" -D "$dir/data" -E UTF8 --no-locale -A trust >"$dir/initdb.log" 2>&1
    for s in "$@"; do opts="$opts -c $s"; done
    oc_as_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-k $dir -c listen_addresses= -p $port $opts" start >/dev/null
    export PGHOST=$dir PGPORT=$port PGUSER=$OC_USER
}

oc_cluster_stop() {
    local dir=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        oc_as_user "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}
