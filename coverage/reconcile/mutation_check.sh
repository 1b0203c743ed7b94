#!/usr/bin/env bash
# Mutation check of the reconciliation's rupiah at stake (issue 16): the tests
# of coverage/reconcile must fail when an amount formula, a tariff, a benefit
# ceiling or a rule of the month model (issue 12) changes.
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
	"tariff-mismatch-amount|coverage/reconcile/tariffcheck.go|off += diff|off += 16_800"
	"tariff-difference|coverage/reconcile/tariffcheck.go|d := max(due-want, want-due)|d := max(due-want, 0)"
	"tariff-missing-program-amount|coverage/reconcile/tariffcheck.go|miss, _ := e.cfg.Tariffs.Due(missing, inc, mo.period)|miss, _ := e.cfg.Tariffs.Due(bpuCompulsory, inc, mo.period)"
	"tariff-income-in-force|coverage/reconcile/months.go|if len(h) == 0 {|if true {"
	"inactive-amount|coverage/reconcile/rules.go|f.Amount += mo.arrears|f.Amount += 16_800"
	"double-funded-amount|coverage/reconcile/rules.go|Amount: pp.apbdPaid(func(m coverage.Period) bool { return slices.Contains(months, m) })}|Amount: 16_800}"
	"jht-rate|coverage/tariff.go|{Program: ProgramJHT, ValidFrom: \"2021-02\", RateBasisPoints: 200,|{Program: ProgramJHT, ValidFrom: \"2021-02\", RateBasisPoints: 300,"
	"jkk-floor|coverage/tariff.go|RateBasisPoints: 100, Minimum: 10_000,|RateBasisPoints: 100, Minimum: 5_000,"
	"invalid-nik-amount|coverage/reconcile/roster.go|AreaCode: pp.area(), Amount: pp.apbdPaid(nil),|AreaCode: pp.area(), Amount: 16_800,"
	"domicile-amount|coverage/reconcile/roster.go|AreaCode: outside[0], Amount: pp.apbdPaid(nil),|AreaCode: outside[0], Amount: 16_800,"
	"apbd-not-on-roster-amount|coverage/reconcile/rules.go|offPaid += c.AmountPaid|offPaid += 16_800"
	"unpaid-amount|coverage/reconcile/rules.go|arrears += mo.arrears|arrears += 16_800"
	"unpaid-billed-arrears|coverage/reconcile/months.go|mo.state, mo.arrears = monthUnpaid, mo.due-mo.paid|mo.state, mo.arrears = monthUnpaid, 16_800"
	"unpaid-not-billed-arrears|coverage/reconcile/months.go|mo.arrears = due|mo.arrears = due / 2"
	"month-due-max|coverage/reconcile/months.go|mo.due = max(mo.due, c.AmountDue)|mo.due += c.AmountDue"
	"month-paid-sum|coverage/reconcile/months.go|mo.paid += c.AmountPaid|mo.paid = max(mo.paid, c.AmountPaid)"
	"lapse-third-month|coverage/reconcile/months.go|if len(run) == 3 && !open {|if len(run) == 4 && !open {"
	"overdue-boundary|coverage/reconcile/engine.go|string(m)+\"-15\" < string(e.payToday)|string(m)+\"-16\" < string(e.payToday)"
	"jakarta-date|coverage/reconcile/engine.go|coverage.DateOf(t.In(wib))|coverage.DateOf(t.UTC())"
	"contributions-as-of|coverage/reconcile/engine.go|e.payToday = JakartaDate(cfg.feedAsOf(coverage.FeedContributions))|e.payToday = e.today"
	"claim-paid-amount|coverage/reconcile/rules.go|f.Amount = c.AmountPaid|f.Amount = c.AmountClaimed"
	"claim-pending-amount|coverage/reconcile/rules.go|f.Amount, f.Severity = c.AmountClaimed, coverage.SeverityMedium|f.Amount, f.Severity = 0, coverage.SeverityMedium"
	"funded-not-paid-amount|coverage/reconcile/funded.go|amount += e.fundedDue(city, mo)|amount += 16_800"
	"funded-not-paid-unknown-income|coverage/reconcile/funded.go|due, _ := e.cfg.Tariffs.Due(defaultFundedPrograms, defaultFundedIncome, mo)|due, _ := e.cfg.Tariffs.Due(m.p.Programs, m.p.DeclaredIncome, mo)"
	"paid-after-death-amount|coverage/reconcile/death.go|paid += c.AmountPaid|paid += 16_800"
	"claim-above-benefit-amount|coverage/reconcile/claims.go|f.Amount = c.AmountPaid - ceiling|f.Amount = c.AmountPaid"
	"benefit-income-multiple|coverage/ruleset.go|byIncome := r.IncomeMultiple * income|byIncome := r.IncomeMultiple * 1_000_000"
	"jkm-death-ceiling|coverage/ruleset.go|MaxAmount: 20_000_000,|MaxAmount: 25_000_000,"
	"jkm-periodic-ceiling|coverage/ruleset.go|MaxAmount: 12_000_000,|MaxAmount: 13_000_000,"
	"jkm-funeral-ceiling|coverage/ruleset.go|MaxAmount: 10_000_000,|MaxAmount: 11_000_000,"
	"jkk-death-multiple|coverage/ruleset.go|IncomeMultiple: 48,|IncomeMultiple: 60,"
	"declared-amount|coverage/reconcile/engine.go|f.Amount = max(diff, -diff)|f.Amount = 16_800"
	"kpj-nik-mismatch-amount|coverage/reconcile/orphans.go|f.Amount = paid + claimsPaid|f.Amount = paid"
	"next-year-cost|coverage/reconcile/build.go|meas.FundedNextYearDue = due * int64(e.fundedMonths(r, mo.Year()+1))|meas.FundedNextYearDue = due * 12"
)

only=${1:-}

# failures lists what a test run reports failing: the failing tests and
# their messages, without timings. A mutation is killed when it adds one.
failures() {
	grep -E -e '^ *--- FAIL: ' -e '^ +[A-Za-z0-9_]+_test\.go:[0-9]+: ' | sed -E 's/ \([0-9.]+s\)$//' | sort -u || true
}

# The suite without a mutation. It should be green; when it is not (a kind
# whose rule is on another branch has no test yet, say), a mutation counts
# as killed only by a failure the baseline does not have, and the check
# fails at the end all the same.
baseline=$({ go test -count=1 ./coverage/reconcile/ 2>&1 || true; } | failures)
if [[ -n $baseline ]]; then
	echo "BASELINE  go test ./coverage/reconcile/ fails without a mutation; a mutation is killed only by a new failure. Baseline failures:"
	sed 's/^/    /' <<<"$baseline"
fi

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
		continue
	fi
	if ! grep -q -e '^--- FAIL' <<<"$out"; then
		echo "BROKEN    $name: the mutated code does not build:"
		sed 's/^/    /' <<<"$out" | head -5
		failed=1
		continue
	fi
	added=$(comm -13 <(printf '%s\n' "$baseline") <(failures <<<"$out"))
	if [[ -z $added ]]; then
		echo "SURVIVED  $name: $file: $from -> $to (only the baseline's failures)"
		failed=1
		continue
	fi
	tests=$({ grep -o -e '^ *--- FAIL: [A-Za-z0-9_/]*' <<<"$added" || true; } | sed 's/.*--- FAIL: //' | sort -u | paste -sd, -)
	echo "KILLED    $name: $(grep -c . <<<"$added") new failure line(s): ${tests:-$(head -1 <<<"$added" | sed 's/^ *//')}"
done
if ((n == 0)); then
	echo "no mutation matches \"$only\"" >&2
	exit 2
fi
if ((failed)); then
	echo "mutation check: FAILED" >&2
	exit 1
fi
if [[ -n $baseline ]]; then
	echo "mutation check: every one of $n mutations added failures, but the suite fails without them (BASELINE above)" >&2
	exit 1
fi
echo "mutation check: every one of $n mutations turned go test ./coverage/reconcile/ red"
