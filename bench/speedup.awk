# speedup.awk: reads Go-format benchmark lines for sub-benchmarks
# naive and fast and prints, per benchmark, the medians and naive/fast ratios.
# Exits 1 when fast is not faster everywhere, so callers can assert on it.

function median(list,    n, arr, i, j, tmp) {
	n = split(list, arr, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && arr[j - 1] + 0 > arr[j] + 0; j--) {
			tmp = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = tmp
		}
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}

/^Benchmark[^ \t]*\/(naive|fast)-[0-9]+[ \t]/ {
	split($1, parts, "/")
	bench = parts[1]; sub(/^Benchmark/, "", bench)
	impl = parts[2]; sub(/-[0-9]+$/, "", impl)
	for (i = 3; i < NF; i++) {
		if ($(i + 1) == "ns/op") ns[bench, impl] = ns[bench, impl] " " $i
		if ($(i + 1) == "allocs/op") allocs[bench, impl] = $i
	}
	if (!(bench in seen)) { seen[bench] = 1; order[++count] = bench }
}

END {
	printf "%-24s %14s %14s %10s %14s\n", "benchmark", "naive ns/op", "fast ns/op", "speed-up", "allocs/op n:f"
	slower = 0
	for (k = 1; k <= count; k++) {
		b = order[k]
		if (ns[b, "naive"] == "" || ns[b, "fast"] == "") continue
		n = median(ns[b, "naive"]); f = median(ns[b, "fast"])
		ratio = f > 0 ? n / f : 0
		if (ratio <= 1) slower++
		printf "%-24s %14.1f %14.1f %9.2fx %9s:%s\n", b, n, f, ratio, allocs[b, "naive"], allocs[b, "fast"]
	}
	if (slower) { printf "fast is not faster than naive on %d benchmark(s)\n", slower; exit 1 }
}
