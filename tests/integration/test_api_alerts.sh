#!/usr/bin/env bash
# test_api_alerts.sh - GET /v1/alerts (filters, cursor pages, scope) and
# the lifecycle writes POST /v1/alerts/{id}/acknowledge and /resolve over
# real HTTP, on alerts raised by the real cs-analyst
# (api_chain_fixture.sh): who may act on which alert (a bureau in its
# regions, an enterprise on alerts addressed to it), conflicts, the audit
# trail, the outbox flag, and that cs_api can change nothing else.
source "$CS_SRC/tests/lib/testlib.sh"
source "$CS_SRC/tests/integration/api_chain_fixture.sh" api_alerts
sorted() { printf '%s\n' "$@" | sort | paste -sd,; }
T_S1=$(tok ent-s1 --role enterprise --enterprise "$S1")
zj="('$S1','$B1','$S5','$T2')"
ids() { body '[.items[].alert_id] | join(",")'; }

note "GET /v1/alerts: live alerts in scope, newest first"
[ "$(q "SELECT count(*) FROM alerts WHERE subject IN $zj OR about IN $zj")" -ge 2 ] || fail "fixture: Zhejiang alerts"
expect 200 "$T_ZJ" /v1/alerts
[ "$(ids)" = "$(q "SELECT string_agg(alert_id::text, ',' ORDER BY alert_id DESC) FROM alerts WHERE status <> 'resolved' AND (subject IN $zj OR about IN $zj)")" ] ||
    fail "Zhejiang's alerts: $(cat "$TEST_TMP/body.json")"
[ "$(body .next_cursor)" = null ] || fail "one page"
expect 200 "$T_B2" /v1/alerts
[ "$(body "[.items[] | select(.subject != \"$B2\" and .about != \"$B2\")] | length")" = 0 ] && [ "$(body '.items | length')" -ge 1 ] ||
    fail "B2 sees only alerts about or for itself: $(cat "$TEST_TMP/body.json")"
expect 200 "$T_SZ" /v1/alerts
[ "$(body "[.items[] | select(.subject == \"$S3\" or .about == \"$S3\")] | length")" = "$(body '.items | length')" ] || fail "Shenzhen: S3's only"
expect 200 "$T_ADMIN" "/v1/alerts?kind=single_source"
[ "$(body '[.items[] | "\(.subject):\(.about)"] | join(",")')" = "$B1:$S1" ] || fail "kind filter: $(cat "$TEST_TMP/body.json")"
lvl=$(q "SELECT level FROM alerts WHERE kind = 'level' AND subject = '$S1'")
expect 200 "$T_ADMIN" "/v1/alerts?level=$lvl&enterprise=$S1"
[ "$(body "[.items[] | select(.level != \"$lvl\")] | length")" = 0 ] && [ "$(body "[.items[].kind] | index(\"level\") != null")" = true ] ||
    fail "level and enterprise filters: $(cat "$TEST_TMP/body.json")"
note "cursor pages"
all=$(q "SELECT string_agg(alert_id::text, ',' ORDER BY alert_id DESC) FROM alerts WHERE status <> 'resolved'")
seen=""; path="/v1/alerts?limit=2"
while :; do
    expect 200 "$T_ADMIN" "$path"
    seen="$seen${seen:+,}$(ids)"
    c=$(body .next_cursor)
    [ "$c" = null ] && break
    path="/v1/alerts?limit=2&cursor=$c"
done
[ "$seen" = "$all" ] || fail "pages $seen, want $all"
expect 400 "$T_ADMIN" "/v1/alerts?cursor=abc" && problem invalid cursor
expect 400 "$T_ADMIN" "/v1/alerts?cursor=$(printf 'alert:x' | base64 | tr -d =)" && problem invalid cursor
expect 400 "$T_ADMIN" "/v1/alerts?cursor=$(printf 'other:5' | base64 | tr -d =)" && problem invalid cursor
expect 400 "$T_ADMIN" "/v1/alerts?status=closed" && problem invalid status
expect 400 "$T_ADMIN" "/v1/alerts?kind=fire" && problem invalid kind
expect 400 "$T_ADMIN" "/v1/alerts?enterprise=123" && problem invalid enterprise
expect 400 "$T_ADMIN" "/v1/alerts?limit=0" && problem invalid limit
expect 403 "$T_CONN" /v1/alerts && problem forbidden

note "GET /v1/alerts/{id}"
A_LVL=$(q "SELECT alert_id FROM alerts WHERE kind = 'level' AND subject = '$S1'")
A_SS=$(q "SELECT alert_id FROM alerts WHERE kind = 'single_source' AND subject = '$B1'")
expect 200 "$T_ZJ" "/v1/alerts/$A_LVL"
[ "$(body .subject)" = "$S1" ] && [ "$(body .status)" = open ] || fail "one alert"
expect 404 "$T_SZ" "/v1/alerts/$A_LVL" && problem not_found id
expect 404 "$T_B2" "/v1/alerts/$A_SS"
expect 400 "$T_ZJ" /v1/alerts/-1 && problem invalid id
expect 400 "$T_ZJ" /v1/alerts/99999999999999999999 && problem invalid id

note "acknowledge and resolve, in scope, audited"
expect_post 404 "$T_SZ" "/v1/alerts/$A_LVL/acknowledge" && problem not_found id
expect_post 404 "$T_B2" "/v1/alerts/$A_SS/acknowledge"
expect_post 403 "$T_S1" "/v1/alerts/$A_SS/acknowledge" && problem forbidden id   # about S1, addressed to B1
expect_post 403 "$T_CONN" "/v1/alerts/$A_SS/acknowledge" && problem forbidden
[ "$(q "SELECT status FROM alerts WHERE alert_id = $A_SS")" = open ] || fail "a refused acknowledge changed the alert"
q "UPDATE alerts SET published_at = now() WHERE alert_id IN ($A_SS, $A_LVL)"   # as if the analyst had published them
expect_post 200 "$T_B1" "/v1/alerts/$A_SS/acknowledge" '{"note":"called the supplier"}'
[ "$(body .status)" = acknowledged ] && [ "$(body .acknowledged_by)" = "token:2 ent-b1" ] || fail "acknowledged: $(cat "$TEST_TMP/body.json")"
[ "$(q "SELECT status || ' ' || (acknowledged_at IS NOT NULL) || ' ' || (published_at IS NULL) FROM alerts WHERE alert_id = $A_SS")" = "acknowledged true true" ] ||
    fail "stored: $(q "SELECT * FROM alerts WHERE alert_id = $A_SS")"
[ "$(q "SELECT outcome || ' ' || status || ' ' || detail FROM audit_log WHERE action = 'POST /v1/alerts/$A_SS/acknowledge' ORDER BY audit_id DESC LIMIT 1")" = \
  "ok 200 acknowledge alert $A_SS: called the supplier" ] || fail "audit: $(q "SELECT * FROM audit_log ORDER BY audit_id DESC LIMIT 3")"
[ "$(q "SELECT count(*) FROM audit_log WHERE action = 'POST /v1/alerts/$A_SS/acknowledge' AND outcome <> 'ok'")" -ge 2 ] ||
    fail "refused writes are audited too"
expect_post 409 "$T_B1" "/v1/alerts/$A_SS/acknowledge" && problem conflict id
expect 200 "$T_ZJ" "/v1/alerts?status=acknowledged"
[ "$(ids)" = "$A_SS" ] || fail "status filter"
expect_post 200 "$T_ZJ" "/v1/alerts/$A_LVL/resolve"
[ "$(body .status)" = resolved ] && [ "$(body .resolved_at)" != null ] || fail "resolved: $(cat "$TEST_TMP/body.json")"
[ "$(q "SELECT status || ' ' || (published_at IS NULL) FROM alerts WHERE alert_id = $A_LVL")" = "resolved true" ] || fail "stored resolution"
expect_post 409 "$T_ZJ" "/v1/alerts/$A_LVL/resolve" && problem conflict id
expect_post 409 "$T_ZJ" "/v1/alerts/$A_LVL/acknowledge" && problem conflict id
expect 200 "$T_ZJ" /v1/alerts
[ "$(body "[.items[].alert_id] | index($A_LVL)")" = null ] || fail "a resolved alert is not live"
note "bad writes"
expect_post 400 "$T_B1" "/v1/alerts/$A_SS/resolve" '{"note":' && problem invalid body
expect_post 400 "$T_B1" "/v1/alerts/$A_SS/resolve" '[]' && problem invalid body
expect_post 400 "$T_B1" "/v1/alerts/$A_SS/resolve" '{"why":"x"}' && problem invalid why
expect_post 400 "$T_B1" "/v1/alerts/$A_SS/resolve" "{\"note\":\"$(printf 'x%.0s' $(seq 300))\"}" && problem invalid note
expect_post 400 "$T_B1" "/v1/alerts/abc/resolve" && problem invalid id
expect_post 404 "$T_B1" "/v1/alerts/$A_SS/close" && problem not_found
expect 405 "$T_B1" "/v1/alerts/$A_SS/resolve" && problem method_not_allowed
expect_post 405 "$T_B1" /v1/alerts && problem method_not_allowed
[ "$(q "SELECT status FROM alerts WHERE alert_id = $A_SS")" = acknowledged ] || fail "bad writes changed the alert"
expect_post 200 "$T_B1" "/v1/alerts/$A_SS/resolve" '{}'

note "cs_api_app may change the lifecycle only, and only in scope"
as_admin() {
    psql "$api_dsn" -qAt -v ON_ERROR_STOP=1 2>&1 <<SQL
BEGIN;
SELECT set_config('cs.principal_role', '$1', true), set_config('cs.principal_regions', '$2', true) \\g /dev/null
$3;
ROLLBACK;
SQL
}
out=$(as_admin admin '' "UPDATE alerts SET message = 'x'" || true)
grep -q "permission denied" <<<"$out" || fail "cs_api_app updated a message: $out"
out=$(as_admin admin '' "DELETE FROM alerts" || true)
grep -q "permission denied" <<<"$out" || fail "cs_api_app deleted alerts: $out"
[ "$(as_admin bureau 440300 "WITH u AS (UPDATE alerts SET status = 'acknowledged', acknowledged_at = now() WHERE subject IN $zj AND status = 'open' RETURNING 1) SELECT count(*) FROM u")" = 0 ] ||
    fail "a Shenzhen bureau updated Zhejiang's alerts"

note "clean shutdown"
stop_service api
note "ok"
