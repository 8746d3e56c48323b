#!/usr/bin/env bash
# A real single-node HDFS (Apache Hadoop 3.4.1 NameNode + DataNode, real
# daemons) on 127.0.0.1, for zebra's tests, benchmarks and `zebra up --hdfs`.
#
#   scripts/hdfs-cluster.sh install      fetch the jars into the cache (idempotent)
#   scripts/hdfs-cluster.sh start DIR    format (first time) and start the daemons with
#                                        their state in DIR; wait until safe mode is off and
#                                        the DataNode has space; print on stdout:
#                                          export ZEBRA_HDFS=hdfs://127.0.0.1:PORT
#   scripts/hdfs-cluster.sh stop DIR     stop the daemons recorded in DIR, by PID
#   scripts/hdfs-cluster.sh status DIR   report the daemons; exit 0 (and print the export
#                                        line) if both run, 3 if not
#   scripts/hdfs-cluster.sh classpath    print the daemons' classpath
#
# Jars: the streaming oracle's cache, ${ZEBRA_CACHE:-$HOME/.cache/zebra}/hadoop-3.4.1.
# `install` first installs the oracle (scripts/hadoop-oracle.sh install: lib/),
# then resolves scripts/hdfs/pom.xml (hadoop-hdfs 3.4.1 and the server parts of
# hadoop-common) and copies only the jars lib/ lacks into hdfs-lib/. The
# daemons' classpath (hdfs-classpath.txt) lists every jar of that resolution
# explicitly, from lib/ where it is there, so it is exactly Maven's resolution.
#
# Ports: ZEBRA_HDFS_PORT (NameNode RPC) and ZEBRA_HDFS_DN_PORT (DataNode data
# transfer) if set, otherwise free ports, kept in DIR/ports for restarts.
# DIR/hdfs.env records the addresses (ZEBRA_HDFS, HDFS_NAMENODE,
# HDFS_NAMENODE_HTTP, HDFS_DATANODE, HDFS_CONF_DIR) and DIR/*.pid the PIDs.
# Logs: DIR/logs/{namenode,datanode}.log. Block size: ZEBRA_HDFS_BLOCK_SIZE
# (default 128 MiB, Hadoop's); files may ask for blocks down to 1 KiB.
# ZEBRA_HDFS_IBR_MS: the DataNode batches its block reports this long
# (dfs.blockreport.incremental.intervalMsec, default 0), as a loaded
# cluster delays them: for tests of a client's waits.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pomdir="$here/hdfs"
oracle="$here/hadoop-oracle.sh"
cache="${ZEBRA_CACHE:-$HOME/.cache/zebra}/hadoop-3.4.1"
lib="$cache/lib"
hlib="$cache/hdfs-lib"
cpfile="$cache/hdfs-classpath.txt"
stamp="$cache/.hdfs-complete"

die() { echo "hdfs-cluster: $*" >&2; exit 1; }

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; return; fi
  command -v java >/dev/null || die "java not found (install a JDK 17, e.g. apt-get install default-jre-headless)"
  echo java
}

want_hash() {
  { cat "$pomdir/pom.xml" "${BASH_SOURCE[0]}"; cat "$cache/.complete" 2>/dev/null || true; } | sha256sum | cut -d' ' -f1
}

install_locked() {
  bash "$oracle" install
  local h; h="$(want_hash)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$h" && -f "$cpfile" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  local tmp="$cache/hdfs-lib.tmp.$$" log="$cache/hdfs-install.log"
  rm -rf "$tmp"
  if ! (cd "$pomdir" && mvn -B -q dependency:copy-dependencies \
          -DincludeScope=runtime -DoutputDirectory="$tmp") >"$log" 2>&1; then
    cat "$log" >&2
    rm -rf "$tmp"
    die "install failed (log: $log)"
  fi
  local cp="" j
  for j in "$tmp"/*.jar; do
    local name; name="$(basename "$j")"
    if [[ -f "$lib/$name" ]] && cmp -s "$j" "$lib/$name"; then
      rm "$j"
      cp+="${cp:+:}$lib/$name"
    else
      cp+="${cp:+:}$hlib/$name"
    fi
  done
  rm -rf "$hlib"
  mv "$tmp" "$hlib"
  echo "$cp" >"$cpfile"
  h="$(want_hash)"
  echo "$h" >"$stamp"
}

install() {
  mkdir -p "$cache"
  # Tests of several packages may start clusters at once: one installer at a time.
  exec 9>"$cache/.hdfs-install.lock"
  flock 9
  install_locked
  flock -u 9
  exec 9>&-
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (or the wildcard).
port_free() {
  if command -v ss >/dev/null; then
    [[ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]
  else
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# free_port: a port below the usual ephemeral range that nothing listens on.
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))
    if port_free "$p" && ! grep -qs "=$p\$" "${used_ports:-/dev/null}"; then
      echo "$p"; return 0
    fi
  done
  die "no free port found"
}

# http_get HOST PORT PATH: the body of an HTTP/1.0 GET, with bash's /dev/tcp
# (no curl needed).
http_get() {
  local body
  body="$(exec 3<>"/dev/tcp/$1/$2" && printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$3" "$1" >&3 && timeout 5 cat <&3)" || return 1
  printf '%s' "${body#*$'\r\n\r\n'}"
}

alive() { # alive PIDFILE DIR: the recorded process runs and is ours
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-Dzebra.hdfs.dir=$2 "
}

write_conf() {
  local dir="$1" conf="$1/conf"
  mkdir -p "$conf"
  cat >"$conf/core-site.xml" <<EOF
<?xml version="1.0"?>
<!-- Written by scripts/hdfs-cluster.sh -->
<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:$NN_PORT</value></property>
  <property><name>hadoop.tmp.dir</name><value>$dir/tmp</value></property>
  <property><name>hadoop.security.authentication</name><value>simple</value></property>
</configuration>
EOF
  cat >"$conf/hdfs-site.xml" <<EOF
<?xml version="1.0"?>
<!-- Written by scripts/hdfs-cluster.sh -->
<configuration>
  <property><name>dfs.namenode.name.dir</name><value>file://$dir/name</value></property>
  <property><name>dfs.datanode.data.dir</name><value>file://$dir/data</value></property>
  <property><name>dfs.namenode.rpc-address</name><value>127.0.0.1:$NN_PORT</value></property>
  <property><name>dfs.namenode.http-address</name><value>127.0.0.1:$NN_HTTP</value></property>
  <property><name>dfs.namenode.secondary.http-address</name><value>127.0.0.1:0</value></property>
  <property><name>dfs.datanode.address</name><value>127.0.0.1:$DN_PORT</value></property>
  <property><name>dfs.datanode.http.address</name><value>127.0.0.1:$DN_HTTP</value></property>
  <property><name>dfs.datanode.ipc.address</name><value>127.0.0.1:$DN_IPC</value></property>
  <property><name>dfs.datanode.hostname</name><value>127.0.0.1</value></property>
  <property><name>dfs.replication</name><value>1</value></property>
  <property><name>dfs.blockreport.incremental.intervalMsec</name><value>${ZEBRA_HDFS_IBR_MS:-0}</value></property>
  <property><name>dfs.blocksize</name><value>${ZEBRA_HDFS_BLOCK_SIZE:-134217728}</value></property>
  <property><name>dfs.namenode.fs-limits.min-block-size</name><value>1024</value></property>
  <property><name>dfs.permissions.enabled</name><value>true</value></property>
  <property><name>dfs.namenode.safemode.extension</name><value>0</value></property>
  <property><name>dfs.namenode.safemode.min.datanodes</name><value>0</value></property>
  <property><name>dfs.heartbeat.interval</name><value>1</value></property>
  <property><name>dfs.namenode.heartbeat.recheck-interval</name><value>10000</value></property>
  <property><name>dfs.datanode.du.reserved</name><value>0</value></property>
  <property><name>dfs.namenode.resource.du.reserved</name><value>0</value></property>
  <property><name>dfs.namenode.resource.check.interval</name><value>60000</value></property>
  <property><name>dfs.namenode.checkpoint.period</name><value>86400</value></property>
  <property><name>dfs.webhdfs.enabled</name><value>false</value></property>
</configuration>
EOF
  # The daemons' web servers need webapps/<name> on the classpath. Hadoop
  # ships the web UI pages only in its tarball (and the tests jar), not in the
  # hadoop-hdfs jar; the JMX and other servlets used here need no pages.
  local w
  for w in hdfs datanode secondary static; do
    mkdir -p "$conf/webapps/$w"
    echo "<html><body>zebra test HDFS ($w): see /jmx</body></html>" >"$conf/webapps/$w/index.html"
  done
  cat >"$conf/log4j.properties" <<'EOF'
# Written by scripts/hdfs-cluster.sh: daemon logs go to ${hadoop.log.file}.
log4j.rootLogger=INFO,file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${hadoop.log.dir}/${hadoop.log.file}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=%d{ISO8601} %p %c{2}: %m%n
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
log4j.logger.BlockStateChange=WARN
log4j.logger.org.apache.hadoop.hdfs.StateChange=WARN
log4j.logger.org.apache.hadoop.hdfs.server.datanode.DataNode.clienttrace=WARN
log4j.logger.org.apache.hadoop.hdfs.server.namenode.FSNamesystem.audit=WARN
EOF
}

# run_java DIR NAME CLASS ARGS...: the JVM command line of a daemon or tool.
java_cmd() {
  local dir="$1" name="$2"; shift 2
  local jit=()
  # C1 only for the NameNode and tools: they start faster and their load here
  # is tiny; the DataNode keeps C2 for checksumming and data transfer.
  [[ "$name" == datanode ]] || jit=(-XX:TieredStopAtLevel=1)
  JCMD=("$(java_bin)" -Xms64m -Xmx${ZEBRA_HDFS_HEAP:-512m} -XX:+UseSerialGC "${jit[@]}" -Xshare:auto
    "-Dzebra.hdfs.dir=$dir" -Dproc_"$name"
    "-Dlog4j.configuration=file:$dir/conf/log4j.properties"
    "-Dhadoop.log.dir=$dir/logs" "-Dhadoop.log.file=$name.log"
    "-Dhadoop.home.dir=$dir" "-Dhadoop.id.str=$(id -un)"
    -Djava.net.preferIPv4Stack=true
    -cp "$dir/conf:$(cat "$cpfile")" "$@")
}

print_export() {
  # shellcheck disable=SC1091
  . "$1/hdfs.env"
  echo "export ZEBRA_HDFS=$ZEBRA_HDFS"
}

start() {
  local dir="$1"
  install
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if alive "$dir/namenode.pid" "$dir" && alive "$dir/datanode.pid" "$dir" && [[ -f "$dir/hdfs.env" ]]; then
    echo "hdfs-cluster: already running in $dir" >&2
    print_export "$dir"
    return 0
  fi
  stop_daemons "$dir" quiet
  mkdir -p "$dir/logs" "$dir/tmp"
  local t0=$SECONDS
  # Ports: the NameNode's RPC port stays the same across restarts of DIR.
  if [[ -f "$dir/ports" ]]; then
    # shellcheck disable=SC1091
    . "$dir/ports"
  else
    NN_PORT="${ZEBRA_HDFS_PORT:-}"
    DN_PORT="${ZEBRA_HDFS_DN_PORT:-}"
  fi
  used_ports="$dir/ports.tmp"
  : >"$used_ports"
  [[ -n "${NN_PORT:-}" ]] || NN_PORT="$(free_port)"; echo "NN_PORT=$NN_PORT" >>"$used_ports"
  port_free "$NN_PORT" || die "port $NN_PORT (NameNode RPC) is in use"
  [[ -n "${DN_PORT:-}" ]] && port_free "$DN_PORT" || DN_PORT="$(free_port)"; echo "DN_PORT=$DN_PORT" >>"$used_ports"
  NN_HTTP="$(free_port)"; echo "NN_HTTP=$NN_HTTP" >>"$used_ports"
  DN_HTTP="$(free_port)"; echo "DN_HTTP=$DN_HTTP" >>"$used_ports"
  DN_IPC="$(free_port)"; echo "DN_IPC=$DN_IPC" >>"$used_ports"
  printf 'NN_PORT=%s\nDN_PORT=%s\n' "$NN_PORT" "$DN_PORT" >"$dir/ports"
  rm -f "$used_ports"
  write_conf "$dir"

  if [[ ! -f "$dir/name/current/VERSION" ]]; then
    rm -rf "$dir/name" "$dir/data"
    java_cmd "$dir" namenode-format org.apache.hadoop.hdfs.server.namenode.NameNode \
      -format -force -nonInteractive -clusterid zebra-test
    if ! "${JCMD[@]}" >"$dir/logs/format.out" 2>&1; then
      cat "$dir/logs/format.out" "$dir/logs/namenode-format.log" >&2 2>/dev/null || true
      die "formatting the NameNode failed (logs in $dir/logs)"
    fi
  fi

  java_cmd "$dir" namenode org.apache.hadoop.hdfs.server.namenode.NameNode
  setsid "${JCMD[@]}" </dev/null >"$dir/logs/namenode.out" 2>&1 &
  echo $! >"$dir/namenode.pid"
  java_cmd "$dir" datanode org.apache.hadoop.hdfs.server.datanode.DataNode
  setsid "${JCMD[@]}" </dev/null >"$dir/logs/datanode.out" 2>&1 &
  echo $! >"$dir/datanode.pid"

  cat >"$dir/hdfs.env" <<EOF
ZEBRA_HDFS=hdfs://127.0.0.1:$NN_PORT
HDFS_NAMENODE=127.0.0.1:$NN_PORT
HDFS_NAMENODE_HTTP=127.0.0.1:$NN_HTTP
HDFS_DATANODE=127.0.0.1:$DN_PORT
HDFS_CONF_DIR=$dir/conf
EOF

  # Ready: the NameNode is out of safe mode and a live DataNode has space.
  local deadline=$(( SECONDS + ${ZEBRA_HDFS_START_TIMEOUT:-180} )) state=""
  while :; do
    local d
    for d in namenode datanode; do
      if ! kill -0 "$(cat "$dir/$d.pid")" 2>/dev/null; then
        tail -n 40 "$dir/logs/$d.log" "$dir/logs/$d.out" 2>/dev/null | grep -v 'classpath = ' >&2 || true
        stop_daemons "$dir" quiet
        die "the $d exited during start-up (logs in $dir/logs)"
      fi
    done
    state="$(http_get 127.0.0.1 "$NN_HTTP" '/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState' 2>/dev/null || true)"
    if grep -q '"FSState" : "Operational"' <<<"$state" &&
       grep -Eq '"NumLiveDataNodes" : [1-9]' <<<"$state" &&
       grep -Eq '"CapacityRemaining" : [1-9]' <<<"$state"; then
      break
    fi
    if (( SECONDS > deadline )); then
      tail -n 40 "$dir/logs/namenode.log" "$dir/logs/datanode.log" 2>/dev/null | grep -v 'classpath = ' >&2 || true
      stop_daemons "$dir" quiet
      die "HDFS did not become ready in ${ZEBRA_HDFS_START_TIMEOUT:-180}s (last state: ${state:-no answer}); logs in $dir/logs"
    fi
    sleep 0.3
  done
  echo "hdfs-cluster: NameNode hdfs://127.0.0.1:$NN_PORT (web http://127.0.0.1:$NN_HTTP), DataNode 127.0.0.1:$DN_PORT; ready in $(( SECONDS - t0 ))s; state in $dir" >&2
  print_export "$dir"
}

# stop_daemons DIR [quiet]: TERM each recorded daemon, KILL after 15 s.
stop_daemons() {
  local dir="$1" quiet="${2:-}" d pid
  for d in datanode namenode; do
    local f="$dir/$d.pid"
    [[ -f "$f" ]] || continue
    if alive "$f" "$dir"; then
      pid="$(cat "$f")"
      kill -TERM "$pid" 2>/dev/null || true
      local i
      for i in $(seq 1 150); do
        alive "$f" "$dir" || break
        sleep 0.1
      done
      if alive "$f" "$dir"; then
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
      fi
      [[ -n "$quiet" ]] || echo "hdfs-cluster: stopped $d (pid $pid)" >&2
    fi
    rm -f "$f"
  done
}

stop() {
  local dir="$1"
  [[ -d "$dir" ]] || { echo "hdfs-cluster: $dir does not exist; nothing to stop" >&2; return 0; }
  dir="$(cd "$dir" && pwd)"
  stop_daemons "$dir"
}

status() {
  local dir="$1" ok=0 d
  [[ -d "$dir" ]] || { echo "hdfs-cluster: no cluster in $dir" >&2; return 3; }
  dir="$(cd "$dir" && pwd)"
  for d in namenode datanode; do
    if alive "$dir/$d.pid" "$dir"; then
      echo "hdfs-cluster: $d running (pid $(cat "$dir/$d.pid"))" >&2
    else
      echo "hdfs-cluster: $d not running" >&2
      ok=3
    fi
  done
  if [[ $ok == 0 && -f "$dir/hdfs.env" ]]; then
    print_export "$dir"
  fi
  return $ok
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  install) install ;;
  start|stop|status)
    [[ $# == 1 ]] || { echo "usage: $0 $cmd DIR" >&2; exit 2; }
    "$cmd" "$1" ;;
  classpath) [[ -f "$cpfile" ]] || die "not installed; run: $0 install"; cat "$cpfile" ;;
  *) echo "usage: $0 install | start DIR | stop DIR | status DIR | classpath" >&2; exit 2 ;;
esac
