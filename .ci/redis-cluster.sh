#!/usr/bin/env bash
# A local 3-master Redis Cluster for the cluster suite (no replicas, nothing persisted):
# 127.0.0.1:7100-7102 unless REDIS_CLUSTER_PORTS says otherwise. Idempotent: a cluster that
# already answers with cluster_state:ok is reused; nodes that are down are started; nodes that
# are up but never joined are wiped and joined. Prints the REDIS_URL naming it as its last line:
#   REDIS_URL="$(.ci/redis-cluster.sh | tail -1)"
# `.ci/redis-cluster.sh stop` shuts the nodes down.
set -euo pipefail

ports=(${REDIS_CLUSTER_PORTS:-7100 7101 7102})
dir="${REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/siyu-redis-cluster}"
url="redis+cluster://$(printf '127.0.0.1:%s,' "${ports[@]}" | sed 's/,$//')"

cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
up() { cli "$1" ping 2>/dev/null | grep -q PONG; }
state_ok() { cli "${ports[0]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; }
# Every node answers, the cluster says ok, and it has exactly our masters, none flagged as failing.
healthy() {
  for p in "${ports[@]}"; do up "$p" || return 1; done
  state_ok || return 1
  local nodes
  nodes="$(cli "${ports[0]}" cluster nodes 2>/dev/null)" || return 1
  printf '%s\n' "$nodes" | grep -q 'fail' && return 1
  [ "$(printf '%s\n' "$nodes" | grep -c 'master')" -eq "${#ports[@]}" ] || return 1
  for p in "${ports[@]}"; do printf '%s\n' "$nodes" | grep -q " 127.0.0.1:$p@" || return 1; done
}

if [ "${1:-}" = stop ]; then
  for p in "${ports[@]}"; do up "$p" && cli "$p" shutdown nosave >/dev/null 2>&1 || true; done
  exit 0
fi

if healthy; then
  echo "redis cluster: reusing the one on ports ${ports[*]}" >&2
  echo "$url"
  exit 0
fi

mkdir -p "$dir"
for p in "${ports[@]}"; do
  if ! up "$p"; then
    # A node config left by an earlier cluster whose nodes are gone would make it wait for them.
    rm -f "$dir/nodes-$p.conf"
    redis-server --bind 127.0.0.1 --port "$p" --cluster-enabled yes --cluster-config-file "nodes-$p.conf" \
      --cluster-node-timeout 2000 --save '' --appendonly no --daemonize yes --dir "$dir" --logfile "$dir/redis-$p.log"
  fi
done
for _ in $(seq 1 50); do
  ready=1
  for p in "${ports[@]}"; do up "$p" || ready=0; done
  [ "$ready" = 1 ] && break
  sleep 0.1
done
for p in "${ports[@]}"; do up "$p" || { echo "redis cluster: node $p did not start (see $dir/redis-$p.log)" >&2; exit 1; }; done

if ! healthy; then
  # Nodes up but not one cluster (a half-made one, or a node restarted empty): start over.
  for p in "${ports[@]}"; do
    cli "$p" flushall >/dev/null 2>&1 || true
    cli "$p" cluster reset hard >/dev/null
  done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 0 --cluster-yes >/dev/null
  for _ in $(seq 1 100); do
    state_ok && break
    sleep 0.1
  done
  state_ok || { echo "redis cluster: cluster_state is not ok on ports ${ports[*]}" >&2; exit 1; }
fi
echo "redis cluster: ${#ports[@]} masters on ports ${ports[*]}" >&2
echo "$url"
