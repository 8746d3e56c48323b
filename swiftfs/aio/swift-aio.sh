#!/usr/bin/env bash
# swift-aio.sh: a real OpenStack Swift all-in-one on 127.0.0.1, everything
# (configs, rings, devices, logs, PIDs) under one base directory. It follows
# shared/notes/swift-local-cluster.md, with 3 object servers holding the 3
# replicas of every object.
#
#   swift-aio.sh install           apt-get the Debian packages that are missing (root)
#   swift-aio.sh start DIR         set DIR up on first use, start every process that is
#                                  not running, wait for /healthcheck on every port,
#                                  print `export NAME=value` lines on stdout
#   swift-aio.sh stop DIR          stop every recorded process by PID (TERM, then KILL)
#   swift-aio.sh status DIR        exit 0 if every process is running and healthy
#   swift-aio.sh replicate DIR     run every replicator once (repairs replicas after a fault)
#   swift-aio.sh env DIR           print the export lines again
#
# Processes: memcached, one account server (devices ac1-3), one container server
# (ac1-3), object servers 1-3 (device dN each), and a proxy with tempauth
# (test:tester / testing, account AUTH_test; admin:admin is reseller admin),
# list_endpoints, bulk, slo, dlo and container quotas. workers = 0, so each
# recorded PID is the server itself.
#
# Ports are chosen when DIR is first set up and kept in DIR/etc/ports.env (the
# rings name them): the defaults (proxy 8080, account 6012, container 6011,
# objects 6010 6020 6030, memcached 11211) when all are free, else free ports
# from the kernel. AIO_PORTS=free always takes free ports; AIO_PORTS=default
# fails if a default port is taken. A later start reuses the recorded ports and
# fails clearly if one is taken by another program.
#
# Environment: AIO_TIMEOUT (seconds to wait for health, default 180).
# Machine-readable state: DIR/aio.env (KEY=value) and DIR/run/NAME.pid.
set -euo pipefail

PY=/usr/bin/python3 # pyenv's python3 on PATH cannot import swift
PACKAGES=(swift swift-proxy swift-object swift-container swift-account python3-swiftclient memcached)
NAMES=(memcached account container object-1 object-2 object-3 proxy)

log() { echo "swift-aio: $*" >&2; }
die() {
	echo "swift-aio: error: $*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

install_missing() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	command -v curl >/dev/null || missing+=(curl)
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "Debian packages missing (${missing[*]}) and not root: run 'sudo $0 install' or apt-get install them"
	command -v apt-get >/dev/null || die "Debian packages missing (${missing[*]}) and there is no apt-get on this machine"
	log "installing ${missing[*]} (apt-get)"
	# One installer at a time (tests of several packages may start clusters at once).
	(
		flock 9
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq -o DPkg::Lock::Timeout=600
		apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2
	) 9>/var/lock/zebra-swift-aio-install.lock || die "apt-get install ${missing[*]} failed"
	for p in swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder memcached; do
		command -v "$p" >/dev/null || die "$p is still missing after apt-get install"
	done
}

# port_busy PORT: something accepts connections on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_ports N: N distinct ports the kernel says are free now.
free_ports() {
	"$PY" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

choose_ports() {
	local mode=${AIO_PORTS:-auto} defaults=(8080 6012 6011 6010 6020 6030 11211) p busy=()
	for p in "${defaults[@]}"; do port_busy "$p" && busy+=("$p"); done
	local ports
	if [ "$mode" = free ] || { [ "$mode" = auto ] && [ ${#busy[@]} -gt 0 ]; }; then
		ports=($(free_ports 7))
	elif [ ${#busy[@]} -gt 0 ]; then
		die "default ports in use: ${busy[*]} (another Swift running? use AIO_PORTS=free or stop it)"
	else
		ports=("${defaults[@]}")
	fi
	cat >"$ETC/ports.env" <<EOF
PROXY_PORT=${ports[0]}
ACCOUNT_PORT=${ports[1]}
CONTAINER_PORT=${ports[2]}
OBJECT_PORT_1=${ports[3]}
OBJECT_PORT_2=${ports[4]}
OBJECT_PORT_3=${ports[5]}
MEMCACHED_PORT=${ports[6]}
EOF
}

# server_conf FILE PORT DEVICES APP: a storage server config per the notes.
server_conf() {
	cat >"$1" <<EOF
[DEFAULT]
devices = $3
mount_check = false
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
user = $(id -un)
swift_dir = $ETC
recon_cache_path = $BASE/cache
log_name = $(basename "$1" .conf)

[pipeline:main]
pipeline = healthcheck $4-server

[app:$4-server]
use = egg:swift#$4

[filter:healthcheck]
use = egg:swift#healthcheck

[$4-replicator]
EOF
	case $4 in
	object) printf 'sync_method = ssync\n\n[object-updater]\n\n[object-auditor]\n' >>"$1" ;;
	container) printf '\n[container-updater]\n\n[container-auditor]\n\n[container-sharder]\n' >>"$1" ;;
	account) printf '\n[account-auditor]\n\n[account-reaper]\n' >>"$1" ;;
	esac
}

proxy_conf() {
	cat >"$ETC/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PROXY_PORT
workers = 0
user = $(id -un)
swift_dir = $ETC
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk list-endpoints tempauth copy container-quotas slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
# A server that failed 10 times is avoided for this long (default 60 s);
# short, so that a restarted object server gets writes again soon.
error_suppression_interval = 5

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
user_admin_admin = admin .admin .reseller_admin
# Two more tenants, each admin of its own account only (multi-tenant tests).
user_alice_alice = alicepass .admin
user_bob_bob = bobpass .admin

[filter:list-endpoints]
use = egg:swift#list_endpoints

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:copy]
use = egg:swift#copy

[filter:container-quotas]
use = egg:swift#container_quotas

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
EOF
}

# build_rings: the three rings in one Python start-up (the CLI takes ~0.7 s a
# call). Same result as swift-ring-builder create 6 3 1 / add / rebalance.
build_rings() {
	"$PY" - "$ETC" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT_1" "$OBJECT_PORT_2" "$OBJECT_PORT_3" <<'EOF'
import os, sys
from swift.common.ring import RingBuilder
etc, acct, cont, o1, o2, o3 = sys.argv[1], *map(int, sys.argv[2:])
def build(name, devs):
    b = RingBuilder(6, 3, 1)
    for i, (port, dev) in enumerate(devs):
        b.add_dev({"id": i, "region": 1, "zone": i + 1, "ip": "127.0.0.1", "port": port,
                   "replication_ip": "127.0.0.1", "replication_port": port,
                   "device": dev, "weight": 100, "meta": ""})
    b.rebalance()
    b.save(os.path.join(etc, name + ".builder"))
    b.get_ring().save(os.path.join(etc, name + ".ring.gz"))
build("account", [(acct, "ac1"), (acct, "ac2"), (acct, "ac3")])
build("container", [(cont, "ac1"), (cont, "ac2"), (cont, "ac3")])
build("object", [(o1, "d1"), (o2, "d2"), (o3, "d3")])
EOF
}

setup() {
	[ -s "$ETC/object.ring.gz" ] && [ -s "$ETC/ports.env" ] && return 0
	log "setting up $BASE"
	rm -rf "$ETC" "$BASE/srv"
	mkdir -p "$ETC" "$BASE/srv/ac/ac1" "$BASE/srv/ac/ac2" "$BASE/srv/ac/ac3" \
		"$BASE/srv/1/d1" "$BASE/srv/2/d2" "$BASE/srv/3/d3" "$BASE/cache" "$LOGS" "$RUN"
	choose_ports
	# shellcheck disable=SC1091
	. "$ETC/ports.env"
	server_conf "$ETC/account-server.conf" "$ACCOUNT_PORT" "$BASE/srv/ac" account
	server_conf "$ETC/container-server.conf" "$CONTAINER_PORT" "$BASE/srv/ac" container
	for i in 1 2 3; do
		local v=OBJECT_PORT_$i
		server_conf "$ETC/object-server-$i.conf" "${!v}" "$BASE/srv/$i" object
	done
	proxy_conf
	build_rings >&2 || die "building the rings failed"
}

check_swift_conf() {
	[ -f /etc/swift/swift.conf ] && return 0
	# Debian ships this file; recreate its defaults if it was removed. The hash
	# prefix and suffix decide where objects live: never change them later.
	[ -w /etc ] || die "/etc/swift/swift.conf is missing and /etc is not writable"
	mkdir -p /etc/swift
	cat >/etc/swift/swift.conf <<'EOF'
[swift-hash]
swift_hash_path_prefix = changeme
swift_hash_path_suffix = changeme

[storage-policy:0]
name = Policy-0
default = yes
EOF
}

# port_of NAME, conf_of NAME, cmd_of NAME
port_of() {
	case $1 in
	memcached) echo "$MEMCACHED_PORT" ;;
	account) echo "$ACCOUNT_PORT" ;;
	container) echo "$CONTAINER_PORT" ;;
	object-*) local v=OBJECT_PORT_${1#object-} && echo "${!v}" ;;
	proxy) echo "$PROXY_PORT" ;;
	esac
}
conf_of() {
	case $1 in
	account | container) echo "$ETC/$1-server.conf" ;;
	object-*) echo "$ETC/object-server-${1#object-}.conf" ;;
	proxy) echo "$ETC/proxy-server.conf" ;;
	esac
}

# alive NAME: its recorded PID runs the process we started (not a reused PID).
alive() {
	local f="$RUN/$1.pid" pid want
	[ -s "$f" ] || return 1
	pid=$(cat "$f")
	[ -r "/proc/$pid/cmdline" ] || return 1
	if [ "$1" = memcached ]; then want="-p $MEMCACHED_PORT"; else want=$(conf_of "$1"); fi
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$want"
}

# exists NAME: its recorded PID is a live process (maybe not yet exec'd into
# the server: right after start_one it can still be the forked shell).
exists() {
	local f="$RUN/$1.pid" state
	[ -s "$f" ] || return 1
	state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$(cat "$f")/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

start_one() {
	local name=$1 port
	port=$(port_of "$name")
	case $name in
	memcached) setsid memcached -u "$(id -un)" -l 127.0.0.1 -p "$port" -U 0 -m 64 </dev/null >"$LOGS/$name.log" 2>&1 & ;;
	proxy) setsid swift-proxy-server "$(conf_of "$name")" -v </dev/null >"$LOGS/$name.log" 2>&1 & ;;
	object-*) setsid swift-object-server "$(conf_of "$name")" -v </dev/null >"$LOGS/$name.log" 2>&1 & ;;
	*) setsid "swift-$name-server" "$(conf_of "$name")" -v </dev/null >"$LOGS/$name.log" 2>&1 & ;;
	esac
	echo $! >"$RUN/$name.pid"
}

healthy() {
	local name=$1 port
	port=$(port_of "$name")
	if [ "$name" = memcached ]; then
		port_busy "$port"
	else
		[ "$(curl -fsS -m 2 "http://127.0.0.1:$port/healthcheck" 2>/dev/null)" = OK ]
	fi
}

wait_healthy() {
	local deadline=$((SECONDS + ${AIO_TIMEOUT:-180})) name pending
	while :; do
		pending=()
		for name in "${NAMES[@]}"; do
			if ! exists "$name"; then
				echo "swift-aio: error: $name exited; the end of $LOGS/$name.log:" >&2
				tail -n 20 "$LOGS/$name.log" >&2 || true
				exit 1
			fi
			{ alive "$name" && healthy "$name"; } || pending+=("$name")
		done
		[ ${#pending[@]} -eq 0 ] && return 0
		[ $SECONDS -ge $deadline ] && die "not healthy after ${AIO_TIMEOUT:-180}s: ${pending[*]} (logs in $LOGS)"
		sleep 0.2
	done
}

write_env() {
	local hdr token surl
	hdr=$(curl -fsS -m 10 -D - -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' \
		"http://127.0.0.1:$PROXY_PORT/auth/v1.0") || die "tempauth login failed (see $LOGS/proxy.log)"
	token=$(printf '%s' "$hdr" | tr -d '\r' | sed -n 's/^[Xx]-[Aa]uth-[Tt]oken: //p')
	surl=$(printf '%s' "$hdr" | tr -d '\r' | sed -n 's/^[Xx]-[Ss]torage-[Uu]rl: //p')
	[ -n "$token" ] && [ -n "$surl" ] || die "tempauth answered without a token or storage URL"
	cat >"$BASE/aio.env.tmp" <<EOF
AUTH_URL=http://127.0.0.1:$PROXY_PORT/auth/v1.0
USER=test:tester
KEY=testing
PROXY_URL=http://127.0.0.1:$PROXY_PORT
STORAGE_URL=$surl
ACCOUNT=${surl##*/}
ACCOUNT_SERVER=127.0.0.1:$ACCOUNT_PORT
CONTAINER_SERVER=127.0.0.1:$CONTAINER_PORT
OBJECT_SERVERS="127.0.0.1:$OBJECT_PORT_1 127.0.0.1:$OBJECT_PORT_2 127.0.0.1:$OBJECT_PORT_3"
MEMCACHED=127.0.0.1:$MEMCACHED_PORT
EOF
	mv "$BASE/aio.env.tmp" "$BASE/aio.env"
}

print_env() {
	[ -s "$BASE/aio.env" ] || die "$BASE is not set up (no aio.env)"
	# shellcheck disable=SC1091
	. "$BASE/aio.env"
	cat <<EOF
export ST_AUTH=$AUTH_URL
export ST_USER=$USER
export ST_KEY=$KEY
# swift stat; swift upload CONTAINER FILE; list_endpoints: $PROXY_URL/endpoints/v2/$ACCOUNT/CONTAINER/OBJECT
# object servers (direct, unauthenticated): $OBJECT_SERVERS
# stop: $0 stop $BASE
EOF
}

cmd_start() {
	install_missing
	check_swift_conf
	setup
	# shellcheck disable=SC1091
	. "$ETC/ports.env"
	mkdir -p "$LOGS" "$RUN" "$BASE/cache"
	local name todo=() port
	for name in "${NAMES[@]}"; do
		alive "$name" || todo+=("$name")
	done
	# Every port first, so that a taken one starts nothing.
	for name in "${todo[@]}"; do
		port=$(port_of "$name")
		port_busy "$port" && die "port $port for $name is taken by another program (see ss -ltnp); stop it, or remove $BASE to set up again on other ports"
	done
	for name in "${todo[@]}"; do start_one "$name"; done
	local started=("${todo[@]}")
	[ ${#started[@]} -gt 0 ] && log "started ${started[*]}; waiting for /healthcheck"
	wait_healthy
	write_env
	print_env
}

cmd_stop() {
	[ -s "$ETC/ports.env" ] || return 0
	# shellcheck disable=SC1091
	. "$ETC/ports.env"
	local name pid pids=()
	for name in "${NAMES[@]}"; do
		if alive "$name"; then
			pid=$(cat "$RUN/$name.pid")
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
		fi
		rm -f "$RUN/$name.pid"
	done
	local deadline=$((SECONDS + 15)) left
	while :; do
		left=()
		for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && left+=("$pid"); done
		[ ${#left[@]} -eq 0 ] && break
		if [ $SECONDS -ge $deadline ]; then
			kill -KILL "${left[@]}" 2>/dev/null || true
			break
		fi
		sleep 0.1
	done
	[ ${#pids[@]} -gt 0 ] && log "stopped ${#pids[@]} processes"
	return 0
}

cmd_status() {
	[ -s "$ETC/ports.env" ] || die "$BASE is not set up"
	# shellcheck disable=SC1091
	. "$ETC/ports.env"
	local name bad=()
	for name in "${NAMES[@]}"; do
		if alive "$name" && healthy "$name"; then
			echo "$name pid $(cat "$RUN/$name.pid") port $(port_of "$name") ok"
		else
			echo "$name port $(port_of "$name") DOWN"
			bad+=("$name")
		fi
	done
	[ ${#bad[@]} -eq 0 ]
}

# Objects first (ssync, no rsync daemon needed), then the container and
# account databases (small differences go over HTTP), so listings agree too.
cmd_replicate() {
	[ -s "$ETC/ports.env" ] || die "$BASE is not set up"
	local i
	for i in 1 2 3; do
		swift-object-replicator "$ETC/object-server-$i.conf" once -v >>"$LOGS/object-replicator-$i.log" 2>&1 ||
			die "object replicator $i failed (see $LOGS/object-replicator-$i.log)"
	done
	swift-container-replicator "$ETC/container-server.conf" once -v >>"$LOGS/container-replicator.log" 2>&1 ||
		die "container replicator failed (see $LOGS/container-replicator.log)"
	swift-account-replicator "$ETC/account-server.conf" once -v >>"$LOGS/account-replicator.log" 2>&1 ||
		die "account replicator failed (see $LOGS/account-replicator.log)"
}

[ $# -ge 1 ] || usage
cmd=$1
if [ "$cmd" = install ]; then
	install_missing
	exit 0
fi
[ $# -eq 2 ] || usage
mkdir -p "$2"
BASE=$(cd "$2" && pwd)
ETC=$BASE/etc
LOGS=$BASE/log
RUN=$BASE/run
case $cmd in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
replicate) cmd_replicate ;;
env) print_env ;;
*) usage ;;
esac
