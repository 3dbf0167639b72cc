#!/usr/bin/env bash
# Every command on the scaling family (bench/examples/family.rs), as a user
# runs it: the release binary, one process per run, wall time (the best of
# three) and peak resident memory (GNU time's %M). Prints markdown tables
# with the growth factor per 10x input, for BENCHMARKS.md.
#
#   bash bench/scaling.sh            # from the repository root
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "scaling.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
cargo build -q --release --bin onus
cargo build -q --release -p onus-bench --example family --example load
onus=$PWD/target/release/onus
family=$PWD/target/release/examples/family
load=$PWD/target/release/examples/load
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

commands=(load check fmt test matrix eval batch diff)
run() { # run COMMAND: in the case's folder, output discarded
    case $1 in
        load) "$load" policy.onus ;;
        check) "$onus" check policy.onus ;;
        fmt) "$onus" fmt - < policy.onus ;;
        test) "$onus" test policy.tests.onus --coverage ;;
        matrix) "$onus" matrix policy.onus --set b=b0 ;;
        eval) "$onus" eval policy.onus --set a=a0 --set b=b0 ;;
        batch) "$onus" eval policy.onus --batch scenarios.ndjson ;;
        diff) "$onus" diff policy.onus changed.onus ;;
    esac
}

measure() { # measure RULES ZONES: sets time_<command> and mem_<command>
    local dir=$work/$1-$2
    "$family" "$dir" "$1" "$2"
    cd "$dir"
    for c in "${commands[@]}"; do
        best=
        for _ in 1 2 3; do
            start=$(date +%s%N)
            code=0
            /usr/bin/time -f %M -o mem.txt bash -c "$(declare -f run); onus=$onus load=$load run $c" >/dev/null 2>err.txt || code=$?
            # diff finds the changed parties (exit 1); every other command
            # finds nothing wrong (exit 0). Anything else is a failure, not
            # a fast run.
            expected=0; [[ $c == diff ]] && expected=1
            if [[ $code != "$expected" ]]; then
                echo "scaling.sh: $c on $1 rules, $2 zones exited $code, not $expected:" >&2
                cat err.txt >&2
                exit 1
            fi
            elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
            if [[ -z $best || $elapsed -lt $best ]]; then best=$elapsed; fi
        done
        printf -v "time_${c}_$1_$2" %s "$best"
        printf -v "mem_${c}_$1_$2" %s "$(tail -1 mem.txt)"
    done
    cd - >/dev/null
}

table() { # table TITLE LABEL CASE... (each case RULES:ZONES)
    local title=$1 label=$2; shift 2
    echo "### $title"
    echo
    local header="| command |" rule="|---|"
    for case in "$@"; do header+=" ${case%%:*} rules, ${case##*:} zones |"; rule+="---|"; done
    echo "$header growth per 10x ($label) |"
    echo "$rule---|"
    for c in "${commands[@]}"; do
        local row="| $c |" growth="" previous=
        for case in "$@"; do
            local key=${c}_${case%%:*}_${case##*:}
            local t=time_$key m=mem_$key
            row+=" ${!t} ms, $(( ${!m} / 1024 )) MB |"
            if [[ -n $previous ]]; then
                growth+="$(awk "BEGIN { printf \"%.1fx \", ${!t} / ($previous > 0 ? $previous : 1) }")"
            fi
            previous=${!t}
        done
        echo "$row $growth|"
    done
    echo
}

for case in 1000:50 10000:50 100000:50 10000:10 10000:1000 10000:10000; do
    measure "${case%%:*}" "${case##*:}"
done
table "Rules grow (50 zones)" "rules" 1000:50 10000:50 100000:50
table "Zones grow (10,000 rules)" "zones" 10000:10 10000:1000 10000:10000
