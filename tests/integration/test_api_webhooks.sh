#!/usr/bin/env bash
# test_api_webhooks.sh - alert webhooks of cs-api over real HTTP, the
# devbroker and a real receiver (python3's http.server) that checks every
# signature itself: subscriptions are created (secret shown once, never
# listed), validated, scoped to their token; alerts published on
# cs.alerts (by kcat, as cs-analyst does) reach exactly the subscriptions
# whose owner may see them and whose filter they pass, signed with
# HMAC-SHA256 over timestamp + "." + body; a failing receiver is retried
# with exponential backoff until it answers 2xx, an unreachable one until
# the attempts run out; every attempt is in the delivery log; a replayed
# alert is not delivered twice; a deleted subscription gets nothing more.
source "$CS_SRC/tests/lib/testlib.sh"

A=91350100M000100Y43 # region 350102 (Fujian)
B=91110000802100433B # region 110101 (Beijing)
dsn=$(pg_test_db api_webhooks)
q() { psql "$dsn" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
tok() { "$CS_BIN/cs-admin" token create "$@" --pg-dsn "$dsn" 2>/dev/null; }
q "INSERT INTO enterprises (uscc, name, region_code, industry_code) VALUES
   ('$A', 'A', '350102', 'C36'), ('$B', 'B', '110101', 'C36')"
T_BUR=$(tok --role bureau --regions 350000 --name fujian)
T_ENT=$(tok --role enterprise --enterprise "$B" --name ent-b)
T_ADM=$(tok --role admin --name ops)
T_CONN=$(tok --role connector --tenant "$A" --name erp)

note "a receiver that checks signatures; /flaky fails its first two calls"
cat >"$TEST_TMP/receiver.py" <<'PY'
import hashlib, hmac, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
out, secrets_file = sys.argv[1], sys.argv[2]
lock, calls = threading.Lock(), {}
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        ts, sig = self.headers.get('X-CS-Timestamp', ''), self.headers.get('X-CS-Signature', '')
        with open(secrets_file) as f:
            secret = json.load(f).get(self.path, '')
        want = 'v1=' + hmac.new(secret.encode(), ts.encode() + b'.' + body, hashlib.sha256).hexdigest()
        with lock:
            n = calls[self.path] = calls.get(self.path, 0) + 1
            status = 500 if self.path == '/flaky' and n <= 2 else 200
            with open(out, 'a') as f:
                f.write(json.dumps({'path': self.path, 'n': n, 'status': status,
                                    'sig_ok': hmac.compare_digest(sig, want),
                                    'delivery': self.headers.get('X-CS-Delivery'),
                                    'alert': json.loads(body)}) + '\n')
        self.send_response(status)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a):
        pass
srv = ThreadingHTTPServer(('127.0.0.1', 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
PY
echo '{}' >"$TEST_TMP/secrets.json"
touch "$TEST_TMP/got.jsonl"
start_service receiver /usr/bin/python3 "$TEST_TMP/receiver.py" "$TEST_TMP/got.jsonl" "$TEST_TMP/secrets.json"
wait_for 20 "the receiver" test -s "$TEST_TMP/receiver.out"
rx="http://127.0.0.1:$(cat "$TEST_TMP/receiver.out")"

start_devbroker
start_service api env CS_HTTP_PORT=0 CS_KAFKA_BROKERS="$BROKERS" \
    CS_KAFKA_EXTRA=fetch.wait.max.ms=10 CS_WEBHOOK_BACKOFF_MS=300 \
    CS_WEBHOOK_MAX_ATTEMPTS=3 CS_WEBHOOK_POLL_MS=100 CS_WEBHOOK_TIMEOUT_MS=2000 \
    "$CS_BIN/cs-api" --pg-dsn "${dsn/user=postgres/user=cs_api_app}"
wait_for 30 "cs-api to start" log_field api "api ready" port
api="http://127.0.0.1:$(log_field api "api ready" port)"

# call TOKEN [CURL ARGS...] URL - status on stdout, body in r.json
call() {
    local t=$1
    shift
    curl -s -o "$TEST_TMP/r.json" -w '%{http_code}' -H "Authorization: Bearer $t" "$@"
}
hook() { call "$1" -H 'Content-Type: application/json' --data-binary "$2" "$api/v1/webhooks"; }
problem_field() { jq -e --arg f "$1" '.field == $f and (.detail | length) > 0' "$TEST_TMP/r.json" >/dev/null; }

note "subscriptions: validated, 201 with the secret once"
[ "$(hook "$T_BUR" '{"url":"ftp://x/y"}')" = 422 ] && problem_field url || fail "ftp URL"
[ "$(hook "$T_BUR" '{"url":"http://u:p@h/"}')" = 422 ] && problem_field url || fail "URL with a password"
[ "$(hook "$T_BUR" "{\"url\":\"$rx/ok\",\"levels\":[\"purple\"]}")" = 422 ] && problem_field levels ||
    fail "bad level"
[ "$(hook "$T_BUR" "{\"url\":\"$rx/ok\",\"regions\":[\"99\"]}")" = 422 ] && problem_field regions || fail "bad region"
[ "$(hook "$T_BUR" "{\"url\":\"$rx/ok\",\"enterprises\":[\"91350100M000100Y44\"]}")" = 422 ] &&
    problem_field enterprises || fail "bad credit code"
[ "$(hook "$T_BUR" "{\"url\":\"$rx/ok\",\"colour\":1}")" = 422 ] && problem_field colour || fail "unknown member"
[ "$(hook "$T_BUR" '{"url":')" = 400 ] || fail "malformed JSON"
[ "$(hook "$T_CONN" "{\"url\":\"$rx/ok\"}")" = 403 ] || fail "a connector may not subscribe"
[ "$(hook "$T_BUR" "{\"url\":\"$rx/ok\",\"levels\":[\"orange\",\"red\"],\"description\":\"fujian\"}")" = 201 ] ||
    fail "bureau hook: $(cat "$TEST_TMP/r.json")"
H_BUR=$(jq -r .webhook.webhook_id "$TEST_TMP/r.json")
S_BUR=$(jq -r .secret "$TEST_TMP/r.json")
[[ $S_BUR =~ ^[0-9a-f]{64}$ ]] || fail "secret: $S_BUR"
jq -e '.webhook.levels == ["orange","red"] and .webhook.regions == null' "$TEST_TMP/r.json" >/dev/null ||
    fail "bureau hook body: $(cat "$TEST_TMP/r.json")"
[ "$(hook "$T_ENT" "{\"url\":\"$rx/flaky\"}")" = 201 ] || fail "enterprise hook"
H_ENT=$(jq -r .webhook.webhook_id "$TEST_TMP/r.json")
S_ENT=$(jq -r .secret "$TEST_TMP/r.json")
[ "$(hook "$T_ADM" "{\"url\":\"http://127.0.0.1:9/\",\"enterprises\":[\"$B\"]}")" = 201 ] || fail "admin hook"
H_DEAD=$(jq -r .webhook.webhook_id "$TEST_TMP/r.json")
jq -n --arg a "$S_BUR" --arg b "$S_ENT" '{"/ok": $a, "/flaky": $b}' >"$TEST_TMP/secrets.json"

note "each token sees its own subscriptions (admin all), never a secret"
[ "$(call "$T_BUR" "$api/v1/webhooks")" = 200 ] || fail "list"
jq -e --argjson h "$H_BUR" '(.items | length) == 1 and .items[0].webhook_id == $h
    and .items[0].description == "fujian" and .next_cursor == null' \
    "$TEST_TMP/r.json" >/dev/null || fail "bureau list: $(cat "$TEST_TMP/r.json")"
[ "$(call "$T_ADM" "$api/v1/webhooks")" = 200 ] && jq -e '(.items | length) == 3 and .next_cursor == null' \
    "$TEST_TMP/r.json" >/dev/null || fail "admin list: $(cat "$TEST_TMP/r.json")"
grep -q "$S_BUR\|$S_ENT\|secret" "$TEST_TMP/r.json" && fail "a list shows a secret"
# pages of two, then one, in id order; the cursor leads on, never back
[ "$(call "$T_ADM" "$api/v1/webhooks?limit=2")" = 200 ] || fail "page 1: $(cat "$TEST_TMP/r.json")"
[ "$(jq -c '[.items[].webhook_id]' "$TEST_TMP/r.json")" = "[$H_BUR,$H_ENT]" ] || fail "page 1: $(cat "$TEST_TMP/r.json")"
cur=$(jq -r .next_cursor "$TEST_TMP/r.json")
[ -n "$cur" ] && [ "$cur" != null ] || fail "page 1 has no next_cursor"
[ "$(call "$T_ADM" "$api/v1/webhooks?limit=2&cursor=$cur")" = 200 ] || fail "page 2: $(cat "$TEST_TMP/r.json")"
jq -e --argjson h "$H_DEAD" '[.items[].webhook_id] == [$h] and .next_cursor == null' "$TEST_TMP/r.json" >/dev/null ||
    fail "page 2: $(cat "$TEST_TMP/r.json")"
[ "$(call "$T_BUR" "$api/v1/webhooks?limit=2&cursor=$cur")" = 200 ] && jq -e '.items == []' "$TEST_TMP/r.json" >/dev/null ||
    fail "the bureau's own list after another token's cursor: $(cat "$TEST_TMP/r.json")"
[ "$(call "$T_ADM" "$api/v1/webhooks?limit=0")" = 400 ] && problem_field limit || fail "limit=0"
[ "$(call "$T_ADM" "$api/v1/webhooks?limit=201")" = 400 ] && problem_field limit || fail "limit=201"
[ "$(call "$T_ADM" "$api/v1/webhooks?cursor=bogus")" = 400 ] && problem_field cursor || fail "bad cursor"
[ "$(call "$T_ADM" "$api/v1/webhooks?page=2")" = 400 ] && problem_field page || fail "unknown parameter"
[ "$(call "$T_ENT" "$api/v1/webhooks/$H_BUR")" = 404 ] || fail "another token's hook is visible"
[ "$(call "$T_ENT" -X DELETE "$api/v1/webhooks/$H_BUR")" = 404 ] || fail "another token's hook deleted"
[ "$(call "$T_ENT" "$api/v1/webhooks/abc")" = 400 ] && problem_field id || fail "bad id"
[ "$(call "$T_ENT" -X PUT "$api/v1/webhooks/$H_ENT")" = 405 ] || fail "PUT"

note "alerts on cs.alerts reach exactly the subscriptions that may see them"
q "INSERT INTO analyst_cycles (model_version, is_full, as_of) VALUES (1, true, now())"
alert() { # ID LEVEL SUBJECT
    q "INSERT INTO alerts (alert_id, dedup_key, kind, level, subject, message, cycle_id, model_version)
       OVERRIDING SYSTEM VALUE VALUES ($1, 'level:$3:$2:$1', 'level', '$2', '$3', 'test $1',
       (SELECT max(cycle_id) FROM analyst_cycles), 1)"
}
publish() { # ID...: the analyst's payload, keyed by subject, through kcat
    for id in "$@"; do
        q "SELECT subject || '|' || json_build_object('alert_id', alert_id, 'dedup_key', dedup_key,
           'kind', kind, 'level', level, 'status', status, 'subject', subject, 'about', about,
           'message', message, 'opened_at', opened_at)::text FROM alerts WHERE alert_id = $id"
    done | kcat -P -b "$BROKERS" -t cs.alerts -K '|'
}
alert 1 red "$A"    # Fujian, red: the bureau
alert 2 yellow "$A" # below the bureau's levels: nobody
alert 3 orange "$B" # Beijing: enterprise B (flaky) and the admin's dead URL
publish 1 2 3
got() { jq -s --arg p "$1" "[.[] | select(.path == \$p and .status == 200)] | length" "$TEST_TMP/got.jsonl"; }
got_is() { [ "$(got "$1")" = "$2" ]; }
wait_for 60 "alert 1 at /ok" got_is /ok 1
wait_for 60 "alert 3 at /flaky on the third try" got_is /flaky 1
jq -se 'all(.sig_ok)' "$TEST_TMP/got.jsonl" >/dev/null || fail "a bad signature: $(cat "$TEST_TMP/got.jsonl")"
jq -se '[.[] | select(.path == "/ok")] | map(.alert.alert_id) == [1]' "$TEST_TMP/got.jsonl" >/dev/null ||
    fail "the bureau got: $(cat "$TEST_TMP/got.jsonl")"
jq -se '[.[] | select(.path == "/flaky")] | map(.alert.alert_id) == [3,3,3]' "$TEST_TMP/got.jsonl" >/dev/null ||
    fail "enterprise B got: $(cat "$TEST_TMP/got.jsonl")"

note "the delivery log: three attempts, 500, 500, 200, with growing waits"
[ "$(call "$T_ENT" "$api/v1/webhooks/$H_ENT/deliveries")" = 200 ] || fail "deliveries"
jq -e '.deliveries | length == 1 and .[0].state == "delivered" and .[0].attempts == 3
       and ([.[0].log[].status] == [500, 500, 200]) and .[0].alert_id == 3' \
    "$TEST_TMP/r.json" >/dev/null || fail "log: $(cat "$TEST_TMP/r.json")"
gaps=$(q "SELECT string_agg(round(extract(epoch FROM at - lag)::numeric * 1000)::text, ' ' ORDER BY attempt)
          FROM (SELECT attempt, at, lag(at) OVER (ORDER BY attempt) FROM webhook_attempts a
                JOIN webhook_deliveries d USING (delivery_id) WHERE d.webhook_id = $H_ENT) x
          WHERE lag IS NOT NULL")
read -r g1 g2 <<<"$gaps"
[ "$g1" -ge 300 ] && [ "$g2" -ge 600 ] || fail "backoff gaps $gaps ms, want >= 300 then >= 600"
[ "$(call "$T_BUR" "$api/v1/webhooks/$H_ENT/deliveries")" = 404 ] || fail "another token's log"

note "an unreachable receiver: failed after 3 attempts, each logged with its error"
dead() { [ "$(q "SELECT state FROM webhook_deliveries WHERE webhook_id = $H_DEAD")" = failed ]; }
wait_for 60 "the dead URL's delivery to fail" dead
[ "$(call "$T_ADM" "$api/v1/webhooks/$H_DEAD/deliveries")" = 200 ] || fail "admin log"
jq -e '.deliveries[0].attempts == 3 and (.deliveries[0].log | length) == 3
       and all(.deliveries[0].log[]; .status == null and (.error | length) > 0)' \
    "$TEST_TMP/r.json" >/dev/null || fail "dead log: $(cat "$TEST_TMP/r.json")"

note "a replayed alert is not delivered twice; a deleted hook gets nothing"
publish 1
alert 4 red "$A"
publish 4
wait_for 60 "alert 4 at /ok" got_is /ok 2
jq -se '[.[] | select(.path == "/ok")] | map(.alert.alert_id) == [1, 4]' "$TEST_TMP/got.jsonl" >/dev/null ||
    fail "replay delivered again: $(cat "$TEST_TMP/got.jsonl")"
[ "$(call "$T_BUR" -X DELETE "$api/v1/webhooks/$H_BUR")" = 204 ] || fail "delete"
[ "$(call "$T_BUR" "$api/v1/webhooks/$H_BUR")" = 404 ] || fail "deleted hook still there"
[ "$(hook "$T_BUR" "{\"url\":\"$rx/ok2\"}")" = 201 ] || fail "second bureau hook"
jq --arg s "$(jq -r .secret "$TEST_TMP/r.json")" '. + {"/ok2": $s}' "$TEST_TMP/secrets.json" >"$TEST_TMP/s2.json"
mv "$TEST_TMP/s2.json" "$TEST_TMP/secrets.json"
alert 5 red "$A"
publish 5
wait_for 60 "alert 5 at the new hook" got_is /ok2 1
[ "$(got /ok)" = 2 ] || fail "a deleted hook got alert 5"
[ "$(q "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $H_BUR")" = 2 ] || fail "deliveries of a deleted hook"
jq -se 'all(.sig_ok)' "$TEST_TMP/got.jsonl" >/dev/null || fail "a bad signature: $(cat "$TEST_TMP/got.jsonl")"

note "metrics and audit"
[ "$(metric 'cs_api_webhook_attempts_total{outcome="delivered"}' "$api/metrics")" = 4 ] || fail "delivered counter"
[ "$(metric 'cs_api_webhook_attempts_total{outcome="failed"}' "$api/metrics")" -ge 1 ] || fail "failed counter"
[ "$(q "SELECT count(*) FROM audit_log WHERE action = 'POST /v1/webhooks' AND outcome = 'ok'
        AND status = 201 AND detail LIKE 'webhook created for http://127.0.0.1:%'")" = 4 ] ||
    fail "creation not audited"
[ "$(q "SELECT count(*) FROM audit_log WHERE action = 'DELETE /v1/webhooks/$H_BUR' AND outcome = 'ok'")" = 1 ] ||
    fail "deletion not audited"

stop_service api
note "ok"
