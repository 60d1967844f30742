#!/bin/bash
# What one pgbench transaction costs the whole machine: the CPU every process spent during the run (from
# /proc/stat), divided by the transactions, and how busy the two cores were. Set beside
# cpu-per-request.sh's figures it says whether the reference transaction alone already fills the machine.
#
#   scripts/cpu-per-transaction.sh <pgbench script> <database> <clients> [seconds]
#   scripts/cpu-per-transaction.sh ../../shared/limits/register.sql cora_reference 8
set -euo pipefail
script=$1 database=$2 clients=$3 seconds=${4:-10}
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
idle() { awk '/^cpu / {print $5 + $6}' /proc/stat; }
busy0=$(busy); idle0=$(idle)
tps=$(/usr/lib/postgresql/15/bin/pgbench -n -M prepared -c "$clients" -j 2 -T "$seconds" -f "$script" \
    "postgres://postgres@127.0.0.1:55433/$database" 2>&1 | awk '/^tps/ {print $3}')
busy1=$(busy); idle1=$(idle)
awk -v tps="$tps" -v b=$((busy1 - busy0)) -v i=$((idle1 - idle0)) -v hz="$(getconf CLK_TCK)" -v t="$seconds" 'BEGIN {
  printf "%.0f transactions/s; cores busy %.0f %%; CPU ms per transaction (all processes) %.3f\n", tps, 100 * b / (b + i), 1000 * b / hz / (tps * t) }'
