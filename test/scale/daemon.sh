#!/usr/bin/env bash
# daemon.sh: the daemon's figures against a filled engine, as README "Benchmarks" reports them.
#
#   bash test/scale/daemon.sh SHEETOPS KUBECONFIG [DIR]
#
# Starts `SHEETOPS run` on an xlsx workbook in DIR (default: a new temporary directory) with
# the cluster of KUBECONFIG, and prints:
#   - when the informers had synced (the "Health and metrics" line) and when the first
#     complete workbook appeared, in seconds after launch, and the daemon's CPU seconds at both;
#   - three passes after a save without edits that keeps every worksheet's bytes (the file
#     recompressed: an unchanged part is not parsed again), then three after a save that
#     changes every worksheet's bytes but none of its cells, as a spreadsheet program's save
#     does (each worksheet parsed again): the pass's duration from sheetops_pass_duration_seconds,
#     whether it wrote the workbook, and the daemon's CPU seconds;
#   - the daemon's peak RSS (VmHWM).
# Needs bash, curl, python3 and Linux's /proc. It stops the daemon when done.
set -euo pipefail
bin=$(realpath "$1")
kubeconfig=$(realpath "$2")
dir=${3:-$(mktemp -d)}
mkdir -p "$dir"
dir=$(realpath "$dir")
book=$dir/book.xlsx
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -rf "$book" "$dir/state"
cat > "$dir/sheetops.yaml" <<EOF
cluster:
  kubeconfig: $kubeconfig
sheet:
  backend: xlsx
  xlsx:
    path: $book
stateDir: $dir/state
server:
  addr: 127.0.0.1:$port
EOF

now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.2f}')"; }
cpu() { awk '{printf "%.2f", ($14+$15)/100}' "/proc/$1/stat"; }

rm -f "$dir/daemon.out" "$dir/daemon.err"
t0=$(now)
"$bin" run --config "$dir/sheetops.yaml" > "$dir/daemon.out" 2> "$dir/daemon.err" < /dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

synced="" book_at=""
while kill -0 $pid 2>/dev/null; do
	if [ -z "$synced" ] && grep -q "Health and metrics" "$dir/daemon.out"; then
		synced=$(since "$t0") cpu_synced=$(cpu $pid)
	fi
	if [ -f "$book" ]; then
		book_at=$(since "$t0") cpu_book=$(cpu $pid)
		break
	fi
	sleep 0.05
done
[ -n "$book_at" ] || { echo "the daemon stopped:"; cat "$dir/daemon.err"; exit 1; }
echo "informers synced ${synced:-?} s after launch (CPU ${cpu_synced:-?} s); first workbook at $book_at s (CPU $cpu_book s); load $(cut -d' ' -f1-3 /proc/loadavg)"
sleep 3

metrics() {
	curl -s "127.0.0.1:$port/metrics" | awk '
		/^sheetops_pass_duration_seconds_sum/ {s=$2} /^sheetops_pass_duration_seconds_count/ {n=$2}
		/^sheetops_render_duration_seconds_count/ {w=$2} END {print s, n, w}'
}

# resave MODE: keep (every part's bytes as they were) or touch (a newline after each
# worksheet's root element: other bytes, the same cells).
resave() {
	python3 - "$book" "$1" <<'EOF'
import os, sys, zipfile
src, mode = sys.argv[1], sys.argv[2]
tmp = src + ".resave"
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout:
    for i in zin.infolist():
        data = zin.read(i.filename)
        if mode == "touch" and i.filename.startswith("xl/worksheets/"):
            data += b"\n"
        zout.writestr(i.filename, data)
os.replace(tmp, src)
EOF
}

for mode in keep keep keep touch touch touch; do
	read -r s0 n0 w0 < <(metrics)
	c0=$(cpu $pid)
	resave $mode
	for _ in $(seq 1 240); do
		sleep 0.25
		read -r s n w < <(metrics)
		[ "$n" != "$n0" ] && break
	done
	sleep 0.5
	read -r s n w < <(metrics)
	echo "save ($mode): $((n - n0)) pass(es), $(python3 -c "print(f'{$s - $s0:.2f}')") s, $((w - w0)) write(s), CPU $(python3 -c "print(f'{$(cpu $pid) - $c0:.2f}')") s; load $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "peak RSS $(awk '/VmHWM/ {printf "%d MiB", $2/1024}' /proc/$pid/status)"
