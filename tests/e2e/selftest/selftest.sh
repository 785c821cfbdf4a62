#!/usr/bin/env bash
# selftest.sh: checks the e2e harness (migrate_test.sh) itself, without
# mppcc: a correct stand-in (mock-mppcc building counter.c with mock_rt.h)
# must pass, and stand-ins that are wrong in known ways must fail in the
# mode that catches them. Keeps the harness from silently passing a
# translator that does nothing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
harness=$here/../migrate_test.sh
prog=$here/counter.c
bad=0

# check BUG VARIANT EXPECTED_REGEX: run the harness with MOCK_BUG=BUG; an
# empty BUG must pass, any other must fail with output matching the regex.
check() {
	local bug=$1 variant=$2 want=$3 out rc=0
	out=$(MOCK_BUG=$bug MPPCC=$here/mock-mppcc MPP_TEST_WORKDIR=${TMPDIR:-/tmp}/mpp-selftest.$$ \
		"$harness" "$prog" "$variant" 2>&1) || rc=$?
	rm -rf "${TMPDIR:-/tmp}/mpp-selftest.$$"
	if [[ -z $bug ]]; then
		if ((rc == 0)); then
			echo "ok   correct stand-in passes ($variant)"
			return
		fi
		echo "FAIL correct stand-in did not pass ($variant):"
	elif ((rc == 1)) && grep -Eq "$want" <<<"$out"; then
		echo "ok   stand-in with bug '$bug' fails as expected ($variant)"
		return
	else
		echo "FAIL stand-in with bug '$bug' was not caught (rc=$rc, wanted /$want/):"
	fi
	while IFS= read -r line; do printf '  | %s\n' "$line"; done <<<"$out"
	bad=1
}

check "" pragma ""
check "" auto ""
check plain pragma 'FAIL \[report\]'
check norestore pragma 'FAIL \[e\] .*expected 75'
check nocapture auto 'FAIL \[b\] .*captures=0'
if ((bad)); then
	echo "harness self-test FAILED"
	exit 1
fi
echo "harness self-test passed"
