#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the test fixtures and the built-in
# policies. Run from the repository root: bash fuzz/seed.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/parse corpus/pipeline corpus/scenario corpus/batch
for f in ../policies/*.onus ../tests/fixtures/*/*.onus; do
    name=$(echo "${f#../}" | tr '/' '_')
    cp "$f" "corpus/parse/$name"
    cp "$f" "corpus/pipeline/$name"
done
for f in ../tests/fixtures/eval/*.json ../tests/fixtures/errors/*.json; do
    cp "$f" "corpus/scenario/$(echo "${f#../}" | tr '/' '_')"
done
for f in ../tests/fixtures/batch/*.ndjson; do
    cp "$f" "corpus/batch/$(basename "$f")"
done
# Ids a strict JSON reader would refuse or misread, beside ones it takes.
printf '%s\n' '{"model": "iaas", "id": "vm-1"}' '{"model": "iaas", "id": 1e400}' \
    '{"model": "paas", "id": "\ud800"}' '{"id": 9007199254740993, "model": "saas"}' \
    '{"model": "iaas", "id": {"a": 1, "a": 2}}' '{"model": "iaas", "id": [1.5, null, "\uffff"]}' \
    > corpus/batch/ids.ndjson
echo "seeded: $(ls corpus/parse | wc -l) policies, $(ls corpus/scenario | wc -l) scenarios, $(ls corpus/batch | wc -l) batches"
