#!/usr/bin/env bash
# pgcluster.sh — a throwaway PostgreSQL cluster for tests.
#
#   scripts/pgcluster.sh start DIR PORT   create (if needed) and start a
#                                         cluster in DIR on 127.0.0.1:PORT;
#                                         prints its URI on stdout
#   scripts/pgcluster.sh stop DIR         stop it and remove DIR
#
# The cluster has a database "hotline" owned by user "hotline" (password
# "hotline", scram over TCP). It listens on 127.0.0.1 only, with its unix
# socket in DIR, runs without fsync and with small buffers: never use it for
# real data. Several clusters can run at once in different DIRs and PORTs.
# Postgres refuses to run as root, so its programs run as the postgres user.
set -euo pipefail

MARKER=.hotline-pgcluster
PGUSER_OS=postgres

die() { echo "pgcluster: $*" >&2; exit 1; }

usage() {
	echo "usage: $0 start DIR PORT | stop DIR" >&2
	exit 2
}

# The newest installed server's bin dir.
find_bindir() {
	local d
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	if [ ! -x "$d/initdb" ]; then
		die "no PostgreSQL server found under /usr/lib/postgresql"
	fi
	echo "$d"
}

# Runs a command as the postgres user from a directory it can enter.
as_pg() {
	(cd / && runuser -u "$PGUSER_OS" -- "$@")
}

init_cluster() {
	local dir=$1 port=$2 bin=$3

	as_pg "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C \
		--auth-local=trust --auth-host=scram-sha-256 --no-sync \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
	as_pg tee -a "$dir/data/postgresql.conf" >/dev/null <<-EOF
		# pgcluster.sh: test settings
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$dir'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		shared_buffers = 16MB
		max_connections = 100
		password_encryption = 'scram-sha-256'
		logging_collector = off
	EOF
}

start_server() {
	local dir=$1 port=$2 bin=$3

	if as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		return 0
	fi
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-p $port" start >/dev/null ||
		{ tail -n 20 "$dir/server.log" >&2; die "server did not start"; }
}

wait_ready() {
	local dir=$1 port=$2 bin=$3

	for _ in $(seq 1 300); do
		"$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
		sleep 0.1
	done
	die "server on port $port not ready"
}

# Creates the hotline role and database once (over the unix socket).
create_db() {
	local dir=$1 port=$2 bin=$3
	local psql=("$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)

	if [ "$(as_pg "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'hotline'")" = 1 ]; then
		return 0
	fi
	as_pg "${psql[@]}" -c "CREATE ROLE hotline LOGIN PASSWORD 'hotline'" \
		-c "CREATE DATABASE hotline OWNER hotline" >/dev/null ||
		die "could not create the hotline database"
}

cmd_start() {
	local dir=$1 port=$2 bin

	if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
		die "bad port: $port"
	fi
	bin=$(find_bindir)
	mkdir -p "$dir"
	dir=$(realpath "$dir")
	if [ ! -f "$dir/$MARKER" ]; then
		[ -z "$(ls -A "$dir")" ] || die "$dir is not empty and not a pgcluster directory"
		touch "$dir/$MARKER"
	fi
	chown "$PGUSER_OS": "$dir"
	chmod 700 "$dir"
	as_pg test -w "$dir" ||
		die "user $PGUSER_OS cannot reach $dir (make its parent directories searchable: chmod o+x)"
	[ -f "$dir/data/PG_VERSION" ] || init_cluster "$dir" "$port" "$bin"
	start_server "$dir" "$port" "$bin"
	wait_ready "$dir" "$port" "$bin"
	create_db "$dir" "$port" "$bin"
	echo "postgres://hotline:hotline@127.0.0.1:$port/hotline"
}

cmd_stop() {
	local dir=$1 bin

	[ -d "$dir" ] || return 0
	[ -f "$dir/$MARKER" ] || die "$dir is not a pgcluster directory, not removing it"
	bin=$(find_bindir)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$bin/pg_ctl" -D "$(realpath "$dir")/data" -m immediate -w -t 60 \
			stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

case "${1:-}" in
start) [ $# -eq 3 ] || usage; cmd_start "$2" "$3" ;;
stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
*) usage ;;
esac
