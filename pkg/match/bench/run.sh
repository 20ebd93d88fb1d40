#!/usr/bin/env bash
# Compare bin/match1 with LEMON's NetworkSimplex on gen_instance.py files.
#
# Usage: bash pkg/match/bench/run.sh [SIZES...]   (default: 1000 10000 100000)
# Env:   SHARED (default ../shared from the repo root), OUT (default .tmp/inst)
#
# Builds bin/match1 and lemon_mcf, generates the unit instances of each size
# plus the household ones at 1k and 10k (seed 1, as in FORMAT.md), runs both
# solvers, checks every matching with check_solution.py and prints a table:
# objective, solve time as each solver reports it (parsing excluded), wall
# time and peak RSS of the whole process (from /usr/bin/time -v when present),
# then the Go benchmarks of the city dinners and the national guides solve.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
BENCH=$SHARED/bench
OUT=${OUT:-$ROOT/.tmp/inst}
SIZES=("${@:-1000 10000 100000}")
read -r -a SIZES <<<"${SIZES[*]}"
PY=/usr/bin/python3

need_pkgs=()
[ -f /usr/include/lemon/network_simplex.h ] || need_pkgs+=(liblemon-dev)
$PY -c 'import numpy' 2>/dev/null || need_pkgs+=(python3-numpy)
command -v g++ >/dev/null || need_pkgs+=(g++)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
	else
		echo "missing packages; run: sudo apt-get install ${need_pkgs[*]}" >&2
		exit 1
	fi
fi

mkdir -p "$OUT" "$ROOT/bin"
(cd "$ROOT/pkg" && go build -o ../bin/match1 ./match/cmd/match1)
LEMON=$OUT/lemon_mcf
if [ ! -x "$LEMON" ] || [ "$BENCH/lemon_mcf.cpp" -nt "$LEMON" ]; then
	g++ -O3 -march=native -DNDEBUG -o "$LEMON" "$BENCH/lemon_mcf.cpp" -llemon
fi

gen() { # name args...
	local f=$OUT/$1.txt
	shift
	[ -s "$f" ] || (cd "$BENCH" && $PY gen_instance.py "$@" -o "$f" 2>/dev/null)
}

TIMEV=
[ -x /usr/bin/time ] && TIMEV=/usr/bin/time

# measure OUTFILE CMD...: runs CMD, keeps its stdout line in $LINE and peak
# RSS (MiB) and wall seconds in $RSS and $WALL.
measure() {
	local log=$OUT/.time.log
	local start end
	start=$(date +%s.%N)
	if [ -n "$TIMEV" ]; then
		LINE=$($TIMEV -v "$@" 2>"$log") || { LINE="FAILED: $(tail -1 "$log")"; }
		RSS=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$log")
	else
		LINE=$("$@") || LINE=FAILED
		RSS=?
	fi
	end=$(date +%s.%N)
	WALL=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b-a}')
}

field() { # key line
	sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1
}

printf '%-10s %-8s %12s %12s %8s %8s %8s %9s %s\n' instance solver objective bound solve_s wall_s rss_MiB check sha256
insts=()
for n in "${SIZES[@]}"; do
	gen "u$n" --n "$n" --seed 1
	insts+=("u$n")
done
for n in 1000 10000; do
	case " ${SIZES[*]} " in *" $n "*)
		gen "s$n" --n "$n" --seed 1 --sizes
		insts+=("s$n")
		;;
	esac
done
for name in "${insts[@]}"; do
	f=$OUT/$name.txt
	sha=$(sha256sum "$f" | cut -c1-12)
	for solver in match1 lemon; do
		out=$OUT/$name.$solver.matching
		rm -f "$out"
		if [ $solver = match1 ]; then
			measure "$ROOT/bin/match1" -o "$out" "$f"
		else
			if [[ $name == s* ]]; then
				printf '%-10s %-8s %12s %12s %8s %8s %8s %9s %s\n' "$name" lemon n/a - - - - - "(households: not a flow)"
				continue
			fi
			measure "$LEMON" "$f" ns "$out"
		fi
		obj=$(field objective "$LINE")
		bound=$(field bound "$LINE")
		solve=$(field solve_s "$LINE")
		check=FAIL
		if [ -s "$out" ] && $PY "$BENCH/check_solution.py" "$f" "$out" >/dev/null 2>&1; then
			check=OK
		fi
		printf '%-10s %-8s %12s %12s %8s %8s %8s %9s %s\n' "$name" "$solver" "${obj:-?}" "${bound:--}" "${solve:-?}" "$WALL" "$RSS" "$check" "$sha"
	done
done

# The programmes' engine benchmarks in the same run, beside the table above:
# a city's dinners (households, with and without SFI classes; gap to the
# proven bound in ppm, limit 5,000) and the national guides solve with one
# quota family and with the nested pair (certificate checked; limit 2 s).
# CPU time is printed beside wall time: on a shared machine the wall clock
# mostly measures waiting for a core.
echo
(cd "$ROOT/pkg" && go test -run '^$' -bench 'CityHouseholds' -benchtime 3x ./match/) | grep '^Benchmark'
(cd "$ROOT/services/guides" && go test -run '^$' -bench 'NationalSolve' -benchtime 2x ./internal/assign/) | grep '^Benchmark'
