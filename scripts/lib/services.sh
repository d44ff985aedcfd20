# shellcheck shell=bash
# Set-up helpers shared by scripts/demo and scripts/test. Source this file; don't run it.
#
# It brings what thiluat needs on a Debian/Ubuntu machine: Debian packages, Rust,
# a PostgreSQL superuser connection, a Redis that fsyncs every write
# (appendonly yes + appendfsync always) and the server secret. Private services
# live under .run/ in the repo (git-ignored).
#
# Exports: THILUAT_PG_ADMIN_URL, DATABASE_URL, REDIS_URL, THILUAT_SECRET.

# The repo root: this file is <root>/scripts/lib/services.sh.
THILUAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
ROOT="$THILUAT_ROOT"
RUN_DIR="$ROOT/.run"

say() { printf '• %s\n' "$*" >&2; }
warn() { printf '! %s\n' "$*" >&2; }
die() {
	printf '✗ %s\n' "$*" >&2
	exit 1
}

# Hides the password of a URL before it is printed.
_redact_url() {
	# shellcheck disable=SC2001
	sed -E 's#^([a-z]+://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"
}

# ---------------------------------------------------------------------------
# Debian packages

_THILUAT_APT_UPDATED="${_THILUAT_APT_UPDATED:-0}"

_apt_installed() {
	local status
	# shellcheck disable=SC2016
	status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" || return 1
	[[ $status == "install ok installed" ]]
}

# ensure_apt_packages PKG...: installs the Debian packages that are missing.
ensure_apt_packages() {
	local p
	local -a missing=() sudo=()
	(($#)) || return 0
	if ! command -v dpkg-query >/dev/null 2>&1; then
		warn "not a Debian/Ubuntu system: make sure these are installed: $*"
		return 0
	fi
	for p in "$@"; do
		_apt_installed "$p" || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	command -v apt-get >/dev/null 2>&1 || die "missing packages: ${missing[*]} (and no apt-get to install them)"
	if ((EUID != 0)); then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo=(sudo -n)
		else
			printf '✗ missing Debian packages: %s. Install them with this command, then run me again:\n' "${missing[*]}" >&2
			printf '    sudo apt-get update && sudo apt-get install -y --no-install-recommends %s\n' "${missing[*]}" >&2
			exit 1
		fi
	fi
	mkdir -p "$RUN_DIR"
	local log="$RUN_DIR/apt.log"
	if [[ $_THILUAT_APT_UPDATED != 1 ]]; then
		say "apt-get update"
		if ! ${sudo[@]+"${sudo[@]}"} apt-get update >"$log" 2>&1; then
			warn "apt-get update had errors (see .run/apt.log); trying the install anyway"
		fi
		_THILUAT_APT_UPDATED=1
	fi
	say "installing Debian packages: ${missing[*]}"
	if ! ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}" </dev/null >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "apt-get install ${missing[*]} failed (full log: .run/apt.log)"
	fi
	hash -r
}

# ensure_build_deps: what cargo needs to fetch crates and link (cc).
ensure_build_deps() {
	ensure_apt_packages ca-certificates curl gcc libc6-dev
}

# ---------------------------------------------------------------------------
# Rust

# ensure_rust: cargo must exist, else say how to install it and exit.
ensure_rust() {
	if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
		export PATH="$HOME/.cargo/bin:$PATH"
	fi
	if ! command -v cargo >/dev/null 2>&1; then
		cat >&2 <<'EOF'
✗ Rust is not installed (no `cargo` on PATH). Install it with rustup, then run me again:
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    . "$HOME/.cargo/env"
EOF
		exit 1
	fi
}

# ensure_rust_components COMPONENT...: e.g. rustfmt clippy.
ensure_rust_components() {
	local c sub
	for c in "$@"; do
		case $c in
		rustfmt) sub=fmt ;;
		*) sub=$c ;;
		esac
		cargo "$sub" --version >/dev/null 2>&1 && continue
		if command -v rustup >/dev/null 2>&1; then
			say "adding the Rust component $c"
			rustup component add "$c" >&2 || die "rustup component add $c failed"
		else
			die "\`cargo $sub\` is missing: install the Rust component $c (rustup component add $c)"
		fi
	done
}

# ---------------------------------------------------------------------------
# Ports

# free_port: prints a TCP port that nothing listens on at 127.0.0.1.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 - <<'EOF'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        return True
    except OSError:
        return False
    finally:
        s.close()
# Below Linux's ephemeral range (32768+), so outgoing connections don't take it later.
for p in random.sample(range(20000, 32000), 200):
    if free(p):
        print(p)
        break
else:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()
EOF
		return
	fi
	local i p
	for i in {1..200}; do
		p=$((20000 + RANDOM % 12000))
		if _port_is_free "$p"; then
			echo "$p"
			return 0
		fi
	done
	die "found no free TCP port on 127.0.0.1"
}

# _port_is_free PORT: true when nothing accepts connections there.
_port_is_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---------------------------------------------------------------------------
# PostgreSQL

_psql() { # URL SQL
	PGCONNECT_TIMEOUT=5 psql -X -w -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# _pg_superuser_ok URL: the server answers and the role is a superuser.
_pg_superuser_ok() {
	local out
	out="$(_psql "$1" 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null)" || return 1
	[[ $out == t ]]
}

# _pg_url_with_db URL DB: the same connection with another database.
_pg_url_with_db() {
	local re='^(postgres(ql)?://[^/?#]*)(/[^?#]*)?(\?[^#]*)?$'
	[[ $1 =~ $re ]] || die "can't read the PostgreSQL URL $(_redact_url "$1") (expected postgres://user@host:port/db)"
	printf '%s/%s%s\n' "${BASH_REMATCH[1]}" "$2" "${BASH_REMATCH[4]}"
}

_ensure_psql() {
	if ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
		ensure_apt_packages postgresql-client
	fi
}

# The newest /usr/lib/postgresql/N/bin with initdb and pg_ctl, or nothing.
_pg_bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [[ -x $d/initdb && -x $d/pg_ctl ]]; then
			printf '%s\n' "$d"
		fi
	done | sort -V | tail -n 1
}

# Runs a command as the owner of the private cluster (postgres when we are root).
_as_pg() {
	if ((EUID == 0)); then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# _pg_private: starts (or reuses) the private cluster in .run/pg; sets _THILUAT_PG_PORT.
_pg_private() {
	local bindir pgdir data sock log port version alt
	bindir="$(_pg_bindir)"
	if [[ -z $bindir ]]; then
		ensure_apt_packages postgresql
		bindir="$(_pg_bindir)"
		[[ -n $bindir ]] || die "no PostgreSQL server under /usr/lib/postgresql/*/bin"
	fi
	mkdir -p "$RUN_DIR"
	pgdir="$RUN_DIR/pg"
	if ((EUID == 0)); then
		# initdb refuses root: the cluster belongs to the postgres system user.
		id -u postgres >/dev/null 2>&1 || die "there is no 'postgres' system user (apt-get install postgresql)"
		if [[ -L $pgdir && ! -d $pgdir ]]; then rm -f "$pgdir"; fi # its /var/tmp target is gone
		mkdir -p "$pgdir"
		pgdir="$(readlink -f "$pgdir")"
		chown postgres:postgres "$pgdir"
		chmod 700 "$pgdir"
		if ! _as_pg test -w "$pgdir"; then
			# The postgres user can't reach into the repo (e.g. it lives under /root):
			# keep the cluster in /var/tmp and link .run/pg to it.
			alt="/var/tmp/thiluat-pg-$(cksum <<<"$ROOT" | cut -d' ' -f1)"
			rmdir "$pgdir" 2>/dev/null || die "the postgres user can't use $pgdir; remove it and run me again"
			mkdir -p "$alt"
			chown postgres:postgres "$alt"
			chmod 700 "$alt"
			ln -sfn "$alt" "$RUN_DIR/pg"
			pgdir="$alt"
			say "the postgres user can't reach $RUN_DIR: the private cluster lives in $alt"
		fi
	else
		mkdir -p "$pgdir"
		pgdir="$(readlink -f "$pgdir")"
		chmod 700 "$pgdir"
	fi
	data="$pgdir/data"
	sock="$pgdir/sock"
	log="$pgdir/postgres.log"
	if ((${#sock} > 90)); then
		# A unix socket path must stay under ~107 bytes.
		sock="/tmp/thiluat-pg-sock-$(cksum <<<"$ROOT" | cut -d' ' -f1)"
	fi
	if [[ -f $data/PG_VERSION ]]; then
		# A cluster is tied to its major version.
		version="$(<"$data/PG_VERSION")"
		if [[ -x /usr/lib/postgresql/$version/bin/pg_ctl ]]; then
			bindir="/usr/lib/postgresql/$version/bin"
		else
			die "the private cluster in .run/pg is PostgreSQL $version, which is not installed; delete .run/pg or install postgresql-$version"
		fi
		if _as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
			port="$(sed -n 4p "$data/postmaster.pid" 2>/dev/null || true)"
			if [[ -n $port ]] && _pg_superuser_ok "postgres://postgres@127.0.0.1:$port/postgres"; then
				say "reusing the private PostgreSQL on 127.0.0.1:$port (.run/pg)"
				_THILUAT_PG_PORT=$port
				return 0
			fi
			warn "the private PostgreSQL runs but does not answer on 127.0.0.1:${port:-?}; restarting it"
			_as_pg "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
		fi
	else
		say "creating a private PostgreSQL $(basename "$(dirname "$bindir")") cluster in .run/pg"
		_as_pg rm -rf "$data"
		if ! _as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >"$RUN_DIR/pg-initdb.log" 2>&1; then
			tail -n 20 "$RUN_DIR/pg-initdb.log" >&2
			die "initdb failed (log: .run/pg-initdb.log)"
		fi
		_as_pg tee "$data/pg_hba.conf" >/dev/null <<'EOF'
# thiluat's private cluster: trust, but only on 127.0.0.1 and the socket in .run/pg.
local   all  all                trust
host    all  all  127.0.0.1/32  trust
EOF
		_as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF

# thiluat (scripts/lib/services.sh): the port is given at start.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
EOF
	fi
	if [[ ! -d $sock ]]; then
		mkdir -p "$sock"
		((EUID != 0)) || chown postgres:postgres "$sock"
		chmod 700 "$sock"
	fi
	port="$(cat "$pgdir/port" 2>/dev/null || true)"
	if [[ ! $port =~ ^[0-9]+$ ]] || ! _port_is_free "$port"; then
		port="$(free_port)"
	fi
	say "starting a private PostgreSQL on 127.0.0.1:$port (.run/pg)"
	if ! _as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "-p $port" start >/dev/null 2>&1; then
		tail -n 20 "$log" >&2 || true
		die "the private PostgreSQL did not start (log: .run/pg/postgres.log)"
	fi
	_as_pg tee "$pgdir/port" >/dev/null <<<"$port"
	_pg_superuser_ok "postgres://postgres@127.0.0.1:$port/postgres" ||
		die "the private PostgreSQL started but does not answer on 127.0.0.1:$port"
	_THILUAT_PG_PORT=$port
}

# _pg_create_db ADMIN_URL DB: creates the database when missing.
_pg_create_db() {
	local admin=$1 db=$2 exists
	[[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad database name: $db"
	exists="$(_psql "$admin" "select 1 from pg_database where datname = '$db'")" ||
		die "can't query PostgreSQL at $(_redact_url "$admin")"
	[[ $exists == 1 ]] && return 0
	say "creating the database $db"
	if ! _psql "$admin" "create database \"$db\"" >/dev/null; then
		# Another run may have just created it.
		exists="$(_psql "$admin" "select 1 from pg_database where datname = '$db'")" || true
		[[ $exists == 1 ]] || die "can't create the database $db"
	fi
}

# ensure_postgres [DB]: exports THILUAT_PG_ADMIN_URL (superuser, database postgres)
# and DATABASE_URL (database DB, default thiluat, created when missing).
ensure_postgres() {
	local db=${1:-thiluat} admin
	_ensure_psql
	if [[ -n ${DATABASE_URL:-} ]]; then
		say "PostgreSQL: using DATABASE_URL from the environment ($(_redact_url "$DATABASE_URL"))"
		_psql "$DATABASE_URL" 'select 1' >/dev/null || die "can't connect to DATABASE_URL"
		if [[ -z ${THILUAT_PG_ADMIN_URL:-} ]]; then
			THILUAT_PG_ADMIN_URL="$(_pg_url_with_db "$DATABASE_URL" postgres)"
		fi
		export DATABASE_URL THILUAT_PG_ADMIN_URL
		return 0
	fi
	if [[ -n ${THILUAT_PG_ADMIN_URL:-} ]]; then
		say "PostgreSQL: using THILUAT_PG_ADMIN_URL from the environment ($(_redact_url "$THILUAT_PG_ADMIN_URL"))"
		_pg_superuser_ok "$THILUAT_PG_ADMIN_URL" || die "THILUAT_PG_ADMIN_URL does not connect as a superuser"
		admin=$THILUAT_PG_ADMIN_URL
	elif [[ ${THILUAT_PRIVATE_PG:-0} != 1 ]] &&
		pg_isready -q -h 127.0.0.1 -p 5432 -t 3 >/dev/null 2>&1 &&
		_pg_superuser_ok "postgres://postgres@127.0.0.1:5432/postgres"; then
		admin="postgres://postgres@127.0.0.1:5432/postgres"
		say "PostgreSQL: using the server at 127.0.0.1:5432 (user postgres)"
	else
		_pg_private
		admin="postgres://postgres@127.0.0.1:$_THILUAT_PG_PORT/postgres"
	fi
	THILUAT_PG_ADMIN_URL=$admin
	DATABASE_URL="$(_pg_url_with_db "$admin" "$db")"
	_pg_create_db "$admin" "$db"
	export THILUAT_PG_ADMIN_URL DATABASE_URL
}

# stop_private_postgres: stops the cluster in .run/pg, if it runs.
stop_private_postgres() {
	local data version
	data="$(readlink -f "$RUN_DIR/pg" 2>/dev/null)/data" || return 0
	[[ -f $data/PG_VERSION ]] || return 0
	version="$(<"$data/PG_VERSION")"
	if _as_pg "/usr/lib/postgresql/$version/bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		say "stopping the private PostgreSQL (.run/pg)"
		_as_pg "/usr/lib/postgresql/$version/bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	fi
}

# ---------------------------------------------------------------------------
# Redis

# ensure_redis_bin: redis-server and redis-cli are on PATH.
ensure_redis_bin() {
	if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
		ensure_apt_packages redis-server
	fi
}

# _redis_port DIR: prints the port of the private Redis recorded in DIR when it
# runs, answers and fsyncs every write.
_redis_port() {
	local dir=$1 port pid
	[[ -f $dir/port && -f $dir/redis.pid ]] || return 1
	port="$(<"$dir/port")"
	pid="$(<"$dir/redis.pid")"
	[[ $port =~ ^[0-9]+$ && $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	[[ "$(redis-cli -p "$port" ping 2>/dev/null)" == PONG ]] || return 1
	[[ "$(redis-cli -p "$port" config get appendfsync 2>/dev/null | sed -n 2p)" == always ]] || return 1
	echo "$port"
}

# ensure_redis [NAME]: exports REDIS_URL of a private Redis in .run/redis-NAME
# (default demo), started when it doesn't run yet.
ensure_redis() {
	local name=${1:-demo} dir port i
	if [[ -n ${REDIS_URL:-} ]]; then
		warn "using REDIS_URL from the environment: that Redis must run with appendonly yes and appendfsync always"
		export REDIS_URL
		return 0
	fi
	ensure_redis_bin
	dir="$RUN_DIR/redis-$name"
	mkdir -p "$dir"
	chmod 700 "$dir"
	_THILUAT_REDIS_NAME=$name
	if port="$(_redis_port "$dir")"; then
		say "reusing the private Redis on 127.0.0.1:$port (.run/redis-$name)"
	else
		port="$(cat "$dir/port" 2>/dev/null || true)"
		if [[ ! $port =~ ^[0-9]+$ ]] || ! _port_is_free "$port"; then
			port="$(free_port)"
		fi
		say "starting a private Redis on 127.0.0.1:$port (appendfsync always, .run/redis-$name)"
		rm -f "$dir/redis.pid"
		echo "$port" >"$dir/port"
		redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" \
			--appendonly yes --appendfsync always --save '' \
			--daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" </dev/null >/dev/null ||
			die "redis-server did not start (log: .run/redis-$name/redis.log)"
		for ((i = 0; i < 100; i++)); do
			[[ "$(redis-cli -p "$port" ping 2>/dev/null)" == PONG ]] && break
			sleep 0.1
		done
		if ! _redis_port "$dir" >/dev/null; then
			tail -n 20 "$dir/redis.log" >&2 || true
			die "the private Redis does not answer on 127.0.0.1:$port (log: .run/redis-$name/redis.log)"
		fi
	fi
	export REDIS_URL="redis://127.0.0.1:$port/"
}

# stop_redis NAME [--purge]: stops the private Redis in .run/redis-NAME;
# --purge also deletes its data.
stop_redis() {
	local name=$1 dir pid port i
	dir="$RUN_DIR/redis-$name"
	if [[ -f $dir/redis.pid ]]; then
		pid="$(<"$dir/redis.pid")"
		port="$(cat "$dir/port" 2>/dev/null || true)"
		if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
			[[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis* ]]; then
			say "stopping the private Redis on 127.0.0.1:${port:-?} (.run/redis-$name)"
			redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
			for ((i = 0; i < 100; i++)); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
		fi
	fi
	if [[ ${2:-} == --purge ]]; then rm -rf "$dir"; fi
	return 0
}

# ---------------------------------------------------------------------------
# Supply-chain tools

# ensure_cargo_deny: cargo-deny (licences, advisories, duplicate versions, sources).
ensure_cargo_deny() {
	command -v cargo-deny >/dev/null 2>&1 && return 0
	say "installing cargo-deny (cargo install --locked; a few minutes, once)"
	cargo install --locked cargo-deny >&2 || die "cargo install --locked cargo-deny failed"
	hash -r
}

# ---------------------------------------------------------------------------
# Secret

# ensure_secret: exports THILUAT_SECRET, kept in .run/secret (mode 600). Never printed.
ensure_secret() {
	local f="$RUN_DIR/secret"
	if [[ -n ${THILUAT_SECRET:-} ]]; then
		say "using THILUAT_SECRET from the environment"
		export THILUAT_SECRET
		return 0
	fi
	mkdir -p "$RUN_DIR"
	if [[ ! -s $f ]]; then
		say "creating a server secret in .run/secret"
		(
			umask 077
			{
				od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
				echo
			} >"$f.tmp"
			mv "$f.tmp" "$f"
		)
	fi
	chmod 600 "$f"
	THILUAT_SECRET="$(head -n 1 "$f")"
	[[ -n $THILUAT_SECRET ]] || die ".run/secret is empty: delete it and run me again"
	export THILUAT_SECRET
}
