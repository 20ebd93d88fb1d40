#!/usr/bin/env bash
# Regenerates upgrade-<commit>.tar.gz, the data an older Mötesplats wrote,
# which TestUpgrade_FromOlderData starts the current code on (ADR 0197).
#
#   deploy/ops/testdata/upgrade/regenerate.sh c00f62b
#
# Run from the repository root. It builds the older commit in a worktree of
# its own (minutes), runs its `make up` in a temporary directory, seeds it,
# drives every programme with deploy/ops/cmd/upgradefixture (which writes
# upgrade.json, what the test checks), stops it with `make down` and keeps
# the NATS store, keys.env, link.key and upgrade.json (Redis is a cache and
# is left out). `make up`'s ports move with the variables the README lists
# (MP_NATS_PORT, PARTICIPANTS_ADDR, ..., MP_REPLICA_PORT_STEP); the seed
# reads the same ones.
set -euo pipefail
commit=${1:?usage: $0 <older commit>}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
old=$work/old
dir=$work/up
git worktree add --detach "$old" "$commit" >/dev/null
cleanup() {
	(cd "$old" && make down UP_DIR="$dir" >/dev/null 2>&1) || true
	git -C "$root" worktree remove --force "$old"
	rm -rf "$work"
}
trap cleanup EXIT
(cd "$old" && make up UP_DIR="$dir")
(
	set -a
	. "$dir/keys.env"
	set +a
	cd "$old" && bin/stack seed -participants 120 -volunteers 40 -workers 4 -nats "nats://127.0.0.1:${MP_NATS_PORT:-4222}" >/dev/null
)
sleep 5 # the programmes' pools take the seed
(cd "$root/deploy/ops" && go run ./cmd/upgradefixture -dir "$dir" -commit "$commit")
(cd "$old" && make down UP_DIR="$dir")
out=$root/deploy/ops/testdata/upgrade/upgrade-$commit.tar.gz
tar czf "$out" -C "$dir" nats keys.env link.key upgrade.json
ls -l "$out"
