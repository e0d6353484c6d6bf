#!/usr/bin/env bash
# CI's closing line: the verdict first, then what made it. Usage:
#   ci-summary.sh STATUS NODE20_LOG NODE22_LOG NODE22_VERSION
# STATUS is the run's exit status; the logs are `npm test` (Node 20: lint, typecheck, build, test) and the Node 22
# vitest pass. Every vitest summary ("Tests  1 failed | 22 passed (23)") is added up per Node, and the tasks Nx names
# under "Failed tasks:" are listed: a typecheck or lint failure fails CI although every test passed.
set -euo pipefail
if (($# != 4)); then
  echo "usage: ci-summary.sh STATUS NODE20_LOG NODE22_LOG NODE22_VERSION" >&2
  exit 2
fi
status="$1" log20="$2" log22="$3" version22="$4"

plain() { sed 's/\x1b\[[0-9;]*m//g' -- "$1"; }
tests() {
  plain "$1" | awk '
    $1 == "Tests" { for (i = 2; i < NF; i++) { if ($(i + 1) ~ /^passed/) p += $i; if ($(i + 1) ~ /^failed/) f += $i } }
    END { print p + 0, f + 0 }'
}
# Nx prints "Failed tasks:", a blank line, then "- project:target" lines.
failed_tasks() {
  plain "$1" | awk '
    /^Failed tasks:/ { on = 1; next }
    on && /^- / { printf "%s%s", sep, $2; sep = ", "; next }
    on && NF { on = 0 }'
}

read -r passed20 failed20 < <(tests "$log20")
read -r passed22 failed22 < <(tests "$log22")
tasks="$(failed_tasks "$log20")"
verdict="passed"
((status == 0)) || verdict="FAILED (exit ${status})"
line="ci: ${verdict}. Node $(node --version): ${passed20} passed, ${failed20} failed; Node ${version22}: ${passed22} passed, ${failed22} failed"
[[ -z "$tasks" ]] || line+="; failed Nx tasks: ${tasks}"
echo "$line"
