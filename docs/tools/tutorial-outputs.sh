#!/usr/bin/env bash
# tutorial-outputs.sh: runs every command of docs/tutorial.md against a
# fresh demo server and agent and prints each with its output, so the
# tutorial's listings can be refreshed from a real run (nothing invented).
#   sudo docs/tools/tutorial-outputs.sh > tutorial-run.txt
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOFLAGS=-mod=mod GOPROXY=off

. bench/lib.sh # $work, $pids stopped at exit

# show COMMAND...: prints the command as typed, then what it printed.
show() {
	printf '\n$ %s\n' "$*"
	"$@" 2>&1 | sed 's/[[:space:]]*$//'
}

build/encrypt-server --port 8080 --impl naive >"$work/server.log" 2>&1 &
pids+=($!)
server=$!
sleep 0.5
build/bpfprof serve --pid "$server" 2>"$work/agent.log" &
pids+=($!)
sleep 2
cat "$work/server.log" "$work/agent.log"
hey -z 600s -c 50 http://127.0.0.1:8080/encrypt >/dev/null 2>&1 &
pids+=($!)
sleep 2

pprof="go tool pprof"
show $pprof -proto -output "$work/cpu.pb.gz" 'http://localhost:6060/debug/pprof/profile?seconds=30'
show $pprof -top -nodecount=20 "$work/cpu.pb.gz"
show $pprof -list '^encryptData$' "$work/cpu.pb.gz"
show $pprof -peek '^encryptData$' "$work/cpu.pb.gz"
# Heap tracing has its own agent: its uprobes would show in the CPU profiles.
build/bpfprof serve --pid "$server" --heap --listen 127.0.0.1:6061 2>"$work/heap-agent.log" &
pids+=($!)
sleep 2
cat "$work/heap-agent.log"
show $pprof -proto -output "$work/allocs.pb.gz" 'http://localhost:6061/debug/pprof/allocs?seconds=10'
show $pprof -top -nodecount=10 -sample_index=alloc_space "$work/allocs.pb.gz"
show $pprof -list '^encryptData$' -sample_index=alloc_space "$work/allocs.pb.gz"
show pkill -f -- '--listen 127.0.0.1:6061' # heap tracing off again for the CPU profiles
wait "${pids[3]}" 2>/dev/null || true
show $pprof -top -nodecount=12 'http://localhost:6060/debug/pprof/mutex?seconds=10'
show $pprof -top -nodecount=12 'http://localhost:6060/debug/pprof/block?seconds=10'
show curl -s -X POST 'http://localhost:8080/impl?name=fast'
sleep 2
show $pprof -proto -output "$work/cpu-fast.pb.gz" 'http://localhost:6060/debug/pprof/profile?seconds=30'
show $pprof -top -nodecount=20 "$work/cpu-fast.pb.gz"
show $pprof -top -nodecount=15 -diff_base "$work/cpu.pb.gz" "$work/cpu-fast.pb.gz"
build/bpfprof serve --pid "$server" --heap --listen 127.0.0.1:6061 2>/dev/null &
pids+=($!)
sleep 2
show $pprof -list '^encryptData$' -sample_index=alloc_space 'http://localhost:6061/debug/pprof/allocs?seconds=10'
show pkill -f -- '--listen 127.0.0.1:6061'
show $pprof -top -nodecount=12 'http://localhost:6060/debug/pprof/mutex?seconds=10'
kill "${pids[2]}"
show build/encrypt-bench -bench . -benchtime 2s
