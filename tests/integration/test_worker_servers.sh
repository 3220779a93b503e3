#!/usr/bin/env bash
# test_worker_servers.sh: servers no one here wrote, from Debian's packages,
# started by this test the way users run them, whose work happens in
# processes other than the one a user points at: nginx's master and its
# workers under hey, and PostgreSQL forking a backend per connection under
# pgbench -C (backends that do not exist yet when the agent attaches).
# Prints what it measured (samples per worker, backends seen, the share
# of stacks that reached their root) as TAP comments.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof

# rooted PROFILE: the percentage of user stacks the unwinder walked to the
# thread's root, from the profile's "user stacks ended" comment.
rooted() {
	go_pprof -raw "$1" | sed -n 's/^Comment: user stacks ended: //p' |
		awk -F', ' '{ for (i = 1; i <= NF; i++) { split($i, w, " "); all += w[1]; if ($i ~ /root/) root += w[1] } }
			END { if (all) printf "%.1f", 100 * root / all }'
}

# --- nginx: a master and two workers ---------------------------------------
nginx_dir=$TEST_TMP/nginx
mkdir -p "$nginx_dir"
nginx_port=$(free_port)
cat >"$nginx_dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/error.log;
events { worker_connections 512; }
http {
	access_log off;
	client_body_temp_path $nginx_dir/body;
	proxy_temp_path $nginx_dir/proxy;
	fastcgi_temp_path $nginx_dir/fastcgi;
	uwsgi_temp_path $nginx_dir/uwsgi;
	scgi_temp_path $nginx_dir/scgi;
	server {
		listen 127.0.0.1:$nginx_port;
		location / { return 200 "hello from nginx\n"; }
	}
}
EOF
nginx -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -e "$nginx_dir/error.log" &
server_pids+=("$!")
until_http "http://127.0.0.1:$nginx_port/" 5
master=$(cat "$nginx_dir/nginx.pid" 2>/dev/null)
mapfile -t workers < <(pgrep -P "${master:-0}")
expect_eq "nginx runs a master and two workers" "${#workers[@]}" 2

hey -z 8s -c 16 "http://127.0.0.1:$nginx_port/" >/dev/null 2>&1 &
load=$!
sleep 1
"$bpfprof" record --pid "$master" -d 2s --hz 499 -o "$TEST_TMP/master.pb.gz" 2>"$TEST_TMP/master.err"
expect_match "the master alone does none of the work, and the agent says where it is" "$(cat "$TEST_TMP/master.err")" \
	"warning: .*PID $master has 2 child processes.*--children"
"$bpfprof" record --pid "$master" --children -d 3s --hz 499 -o "$TEST_TMP/nginx.pb.gz" 2>/dev/null
expect_eq "record --pid MASTER --children exits 0" "$?" 0
wait "$load"
tags=$(go_pprof -tags "$TEST_TMP/nginx.pb.gz")
for worker in "${workers[@]}"; do
	samples=$(go_pprof -raw -tagfocus="pid=$worker" "$TEST_TMP/nginx.pb.gz" | awk '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 } on && /^ +[0-9]+ +[0-9]+:/ { n += $1 } END { print n + 0 }')
	echo "# nginx worker $worker: $samples samples in 3 s at 499 Hz"
	check "worker $worker is sampled (got $samples samples)" test "$samples" -gt 20
done
top=$(go_pprof -top -cum -nodecount=200 "$TEST_TMP/nginx.pb.gz")
expect_match "the workers' event loop is named from nginx's own symbols" "$top" 'ngx_process_events_and_timers|ngx_epoll_process_events|ngx_worker_process_cycle'
share=$(rooted "$TEST_TMP/nginx.pb.gz")
echo "# nginx: ${share:-none}% of user stacks reached their root"
check "most nginx stacks reach their root (got ${share:-none}%)" awk -v s="${share:-0}" 'BEGIN { exit !(s >= 90) }'
kill "$master" 2>/dev/null

# --- PostgreSQL: a backend forked per connection, after attach -------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# Outside TEST_TMP, which only root may enter: the server runs as postgres.
pg_dir=$(mktemp -d /tmp/bpfprof-postgres.XXXXXX)
pg_port=$(free_port)
chown postgres "$pg_dir"
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
if [[ -x "$pg_bin/initdb" ]] && as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >"$TEST_TMP/initdb.log" 2>&1 &&
	as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
		-o "-k $pg_dir -p $pg_port -c listen_addresses=127.0.0.1" start >/dev/null 2>&1; then
	ok "PostgreSQL starts from Debian's package ($pg_bin)"
	postmaster=$(head -n 1 "$pg_dir/data/postmaster.pid")
	as_postgres "$pg_bin/pgbench" -i -s 1 -h 127.0.0.1 -p "$pg_port" postgres >/dev/null 2>&1
	backends_before=$(pgrep -P "$postmaster" | wc -l)
	# -C: a new connection, so a new backend, for every transaction.
	as_postgres "$pg_bin/pgbench" -C -S -T 7 -c 4 -h 127.0.0.1 -p "$pg_port" postgres >"$TEST_TMP/pgbench.out" 2>&1 &
	load=$!
	sleep 1
	"$bpfprof" record --pid "$postmaster" --children -d 3s --hz 199 -o "$TEST_TMP/pg.pb.gz" 2>/dev/null
	expect_eq "record --pid POSTMASTER --children exits 0" "$?" 0
	wait "$load"
	raw=$(go_pprof -raw "$TEST_TMP/pg.pb.gz")
	joined=$(sed -n 's/^Comment: processes: [0-9]* seen, \([0-9]*\) of them joined after attach.*/\1/p' <<<"$raw")
	echo "# PostgreSQL: $backends_before processes under the postmaster at attach; ${joined:-none} backends forked after attach were traced; $(grep -o 'tps = [0-9.]*' "$TEST_TMP/pgbench.out" | head -n 1)"
	check "backends forked after attach join the set (${joined:-none} in 3 s)" test "${joined:-0}" -gt 50
	backend_pids=$(go_pprof -tags "$TEST_TMP/pg.pb.gz" | sed -n '/^ pid:/,/^$/p' | grep -c '): [0-9]')
	check "samples come from many backends ($backend_pids processes)" test "$backend_pids" -gt 20
	# exec_simple_query is static: Debian strips it with the symbol table,
	# and its debug symbols (postgresql-*-dbgsym) live in an archive this
	# machine cannot reach. PostgresMain, the backend's loop, is exported.
	top=$(go_pprof -top -cum -nodecount=300 "$TEST_TMP/pg.pb.gz")
	got=$(cum_percent "$top" PostgresMain)
	echo "# PostgreSQL: PostgresMain (the backends' loop) on ${got:-0}% of the samples"
	check "the backends' stacks run through PostgresMain (got ${got:-none}%)" awk -v s="${got:-0}" 'BEGIN { exit !(s > 20) }'
	share=$(rooted "$TEST_TMP/pg.pb.gz")
	echo "# PostgreSQL: ${share:-none}% of user stacks reached their root"
	check "most backend stacks reach their root, forked ones from their first sample (got ${share:-none}%)" \
		awk -v s="${share:-0}" 'BEGIN { exit !(s >= 85) }'
	as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
else
	not_ok "PostgreSQL starts from Debian's package" "$(tail -n 5 "$TEST_TMP/initdb.log" 2>/dev/null)"
fi
rm -rf "$pg_dir"

finish
