#!/bin/sh
# A throwaway PostgreSQL 15 on 127.0.0.1:5433, configured for this machine (2 cores, 24 GB, SSD)
# as a production server would be, durability left on (fsync, full_page_writes,
# synchronous_commit): to see whether the server's configuration moves bench/rating.py's ratio.
#
#   sh bench/pg_tuned.sh start   # then:
#   BENCH_RATING_DATABASE_URL=postgres://postgres@127.0.0.1:5433/portal_bench_rating make bench-rating
#   sh bench/pg_tuned.sh stop    # stops it and removes its files
#
# PostgreSQL refuses to run as root: as root, the server runs as the system's postgres user.
set -eu
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
DIR=${PG_TUNED_DIR:-/tmp/pg-tuned-bench}
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sh -c "$*"; fi; }

case "${1:-}" in
start)
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_pg "$BIN/initdb -D $DIR/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
    cat >> "$DIR/data/postgresql.conf" <<'CONF'
port = 5433
listen_addresses = '127.0.0.1'
shared_buffers = 6GB
effective_cache_size = 18GB
maintenance_work_mem = 1GB
wal_buffers = 64MB
max_wal_size = 16GB
min_wal_size = 4GB
checkpoint_timeout = 30min
checkpoint_completion_target = 0.9
random_page_cost = 1.1
effective_io_concurrency = 200
CONF
    as_pg "$BIN/pg_ctl -D $DIR/data -l $DIR/log -w start" >/dev/null
    echo "tuned PostgreSQL on 127.0.0.1:5433 (files in $DIR)"
    ;;
stop)
    as_pg "$BIN/pg_ctl -D $DIR/data -m fast stop" >/dev/null || true
    rm -rf "$DIR"
    echo "stopped and removed"
    ;;
*)
    echo "usage: sh bench/pg_tuned.sh start|stop" >&2
    exit 2
    ;;
esac
