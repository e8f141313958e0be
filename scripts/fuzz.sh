#!/bin/sh
# Run the tests marked `fuzz` (pytest -m fuzz) with the `fuzz` hypothesis profile,
# round after round (fresh random examples each time), until MINUTES have passed;
# the last round is cut off when the time is up. Stops at the first failure, which
# hypothesis keeps in .hypothesis/ and tries first on the next run.
# Usage: sh scripts/fuzz.sh BIN MINUTES   (what `make fuzz` runs)
set -u
bin=$1
minutes=$2
end=$(( $(date +%s) + 60 * minutes ))
round=0
while [ "$(date +%s)" -lt "$end" ]; do
    round=$((round + 1))
    left=$(( end - $(date +%s) ))
    echo "== fuzz round $round ($left s left)"
    HYPOTHESIS_PROFILE=fuzz timeout --signal=INT "$left" \
        "$bin/python" -m pytest -m fuzz -x -q -p no:cacheprovider --hypothesis-show-statistics
    status=$?
    if [ "$status" -eq 124 ] || [ "$(date +%s)" -ge "$end" ]; then
        break  # the time is up (an interrupted round is not a failure)
    fi
    if [ "$status" -ne 0 ]; then
        echo "== fuzz: round $round failed"
        exit "$status"
    fi
done
echo "== fuzz: $round round(s) in $minutes min without a failure"
