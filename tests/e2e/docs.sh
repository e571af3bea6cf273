#!/usr/bin/env bash
# docs/METRICS.md's catalog section is exactly what `cxm metrics --format md`
# prints, and docs/DATA.md names every canonical column: docs cannot drift.
set -u
cxm=$1
src=${CXM_SOURCE_DIR:?}
fail=0
want=$(mktemp) have=$(mktemp)
trap 'rm -f "$want" "$have"' EXIT
"$cxm" metrics --format md > "$want"
sed -n '/<!-- catalog:begin/,/<!-- catalog:end -->/p' "$src/docs/METRICS.md" | sed '1d;$d' > "$have"
if ! diff -u "$have" "$want"; then
  echo "docs/METRICS.md's catalog differs from 'cxm metrics --format md': regenerate it"; fail=1
fi
# every canonical column (the tickets export header lists them) is documented
for col in ticket_id created_at first_response_at first_resolved_at resolved_at closed_at answered_at \
           channel agent team priority status customer_id reopens agent_replies customer_replies \
           handle_seconds abandoned complaint tags at author public response_id survey score scale_min scale_max comment; do
  grep -q "\`$col\`" "$src/docs/DATA.md" || { echo "docs/DATA.md does not document column $col"; fail=1; }
done
echo "$([ $fail = 0 ] && echo 2 || echo 1) passed, $fail failed"
exit $fail
