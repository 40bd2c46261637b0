#!/usr/bin/env bash
# Debian packages the test suite uses, installed when missing (runs before `npm test`):
#   docker-compose — `docker-compose config` validates docker-compose.yml
#   chromium       — Bull Board is opened in a real headless browser
#   redis-sentinel — Sentinel groups (redis-server and redis-cli come with Redis itself)
#   pgbouncer, patroni, etcd-server, haproxy — PostgreSQL through a pooler and across a primary failover
#   prometheus     — promtool checks and unit-tests the alerting rules and the autoscaler's query
#   kubernetes-client — kubectl (for `kubectl kustomize`), when the machine has none
# Test tools cannot download browsers on this kind of machine, so Debian's Chromium is used.
set -uo pipefail

missing=()
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v chromium >/dev/null || missing+=(chromium)
command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v pgbouncer >/dev/null || missing+=(pgbouncer)
command -v patroni >/dev/null || missing+=(patroni)
command -v etcd >/dev/null || missing+=(etcd-server)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v promtool >/dev/null || missing+=(prometheus)
command -v kubectl >/dev/null || missing+=(kubernetes-client)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "ensure-test-tools: please install ${missing[*]} (Debian packages); the tests that need them will fail" >&2
  exit 0
fi
echo "ensure-test-tools: installing ${missing[*]} (Debian packages)"
timeout 300 apt-get update -qq >/dev/null 2>&1
DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
  || { echo "ensure-test-tools: could not install ${missing[*]}" >&2; exit 1; }
