#!/usr/bin/env bash
# Mutation check of the reconciliation's rupiah at stake (issue 16): the tests
# of coverage/reconcile must fail when an amount formula or a tariff changes.
#
# Each mutation replaces one exact piece of production code, in a copy handed
# to the compiler through a build overlay (go test -overlay): the tree is never
# touched, so it is safe while others edit it. The script fails when a mutation
# leaves `go test ./coverage/reconcile/` green ("SURVIVED"), and when a
# mutation's code is no longer found (the production code moved: update the
# list). Run from anywhere:
#
#	coverage/reconcile/mutation_check.sh           # every mutation
#	coverage/reconcile/mutation_check.sh jht-rate  # the ones whose name matches
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name | file | code | mutated code
mutations=(
	"tariff-mismatch-amount|coverage/reconcile/rules.go|mismatchAmount += max(c.AmountDue-want, want-c.AmountDue)|mismatchAmount += 16_800"
	"inactive-amount|coverage/reconcile/rules.go|f.Amount += c.AmountDue - c.AmountPaid|f.Amount += 16_800"
	"double-funded-amount|coverage/reconcile/rules.go|Amount: pp.apbdPaid(func(m coverage.Period) bool { return slices.Contains(months, m) })}|Amount: 16_800}"
	"jht-rate|coverage/tariff.go|{Program: ProgramJHT, ValidFrom: \"2021-02\", RateBasisPoints: 200,|{Program: ProgramJHT, ValidFrom: \"2021-02\", RateBasisPoints: 300,"
	"jkk-floor|coverage/tariff.go|RateBasisPoints: 100, Minimum: 10_000,|RateBasisPoints: 100, Minimum: 5_000,"
	"invalid-nik-amount|coverage/reconcile/roster.go|AreaCode: pp.area(), Amount: pp.apbdPaid(nil),|AreaCode: pp.area(), Amount: 16_800,"
	"domicile-amount|coverage/reconcile/roster.go|AreaCode: outside[0], Amount: pp.apbdPaid(nil),|AreaCode: outside[0], Amount: 16_800,"
	"apbd-not-on-roster-amount|coverage/reconcile/rules.go|offPaid += c.AmountPaid|offPaid += 16_800"
	"unpaid-amount|coverage/reconcile/rules.go|arrears += c.AmountDue - c.AmountPaid|arrears += 16_800"
	"claim-paid-amount|coverage/reconcile/rules.go|f.Amount = c.AmountPaid|f.Amount = c.AmountClaimed"
	"claim-pending-amount|coverage/reconcile/rules.go|f.Amount, f.Severity = c.AmountClaimed, coverage.SeverityMedium|f.Amount, f.Severity = 0, coverage.SeverityMedium"
	"declared-amount|coverage/reconcile/engine.go|f.Amount = max(diff, -diff)|f.Amount = 16_800"
	"kpj-nik-mismatch-amount|coverage/reconcile/orphans.go|f.Amount = paid + claimsPaid|f.Amount = paid"
	"next-year-cost|coverage/reconcile/build.go|meas.FundedNextYearDue = due * int64(fundedMonths(r, mo.Year()+1))|meas.FundedNextYearDue = due * 12"
)

only=${1:-}
failed=0
n=0
for m in "${mutations[@]}"; do
	IFS='|' read -r name file from to <<<"$m"
	[[ -z $only || $name == *"$only"* ]] || continue
	n=$((n + 1))
	src=$(<"$file")
	rest=${src//"$from"/}
	if ((${#src} - ${#rest} != ${#from})); then
		echo "MISSING   $name: the code to mutate is not found exactly once in $file"
		failed=1
		continue
	fi
	printf '%s\n' "${src/"$from"/"$to"}" >"$tmp/$name.go"
	printf '{"Replace":{"%s":"%s"}}\n' "$root/$file" "$tmp/$name.go" >"$tmp/$name.json"
	if out=$(go test -count=1 -overlay "$tmp/$name.json" ./coverage/reconcile/ 2>&1); then
		echo "SURVIVED  $name: $file: $from -> $to"
		failed=1
	else
		fails=$(grep -c -e '^--- FAIL' <<<"$out" || true)
		tests=$(grep -o -e '^--- FAIL: [A-Za-z0-9_]*' <<<"$out" | cut -d' ' -f3 | sort -u | paste -sd, -)
		if grep -q -e '^--- FAIL' <<<"$out"; then
			echo "KILLED    $name: $fails failing test(s): $tests"
		else
			echo "BROKEN    $name: the mutated code does not build:"
			sed 's/^/    /' <<<"$out" | head -5
			failed=1
		fi
	fi
done
if ((n == 0)); then
	echo "no mutation matches \"$only\"" >&2
	exit 2
fi
if ((failed)); then
	echo "mutation check: FAILED" >&2
	exit 1
fi
echo "mutation check: every one of $n mutations turned go test ./coverage/reconcile/ red"
