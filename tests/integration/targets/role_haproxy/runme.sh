#!/usr/bin/env bash
# Integration test of the role certfleet.acme.haproxy, as separate ansible-playbook runs: a second run's
# changed=0, check mode and a run that must fail are only visible from outside a play.
#
# HAProxy listens on 127.0.0.1:8081 (HTTP) and 127.0.0.1:8444 (HTTPS) only; the sites' backend is a
# python http.server on 127.0.0.1:8403 started here (bounded in time, stopped at the end), the ACME backend
# acme_challenge's responder on 127.0.0.1:8402 (started and stopped by verify.yml). cleanup.yml (always)
# stops HAProxy and puts back what prepare.yml recorded: packages the target installed are purged, a
# configuration that was there is restored, the start at boot is as it was, and every path the target
# created is removed.
set -eu

export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0

work="$(mktemp -d /tmp/role_haproxy.XXXXXX)"
logs="$work/logs"
mkdir -p "$logs" "$work/docroot"
printf 'certfleet haproxy role test\n' >"$work/docroot/index.html"
common=(-e @../../integration_config.yml -e "work=$work")
step=0
backend_pid=""

finish() {
    rc=$?
    if ! ansible-playbook cleanup.yml "${common[@]}" >"$logs/cleanup.log" 2>&1; then
        echo "cleanup.yml failed:" >&2
        tail -40 "$logs/cleanup.log" >&2
        rc=1
    fi
    if [[ -n "$backend_pid" ]]; then
        kill "$backend_pid" 2>/dev/null || true
        wait "$backend_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$rc"
}
trap finish EXIT

# run NAME PLAYBOOK [ARGS...]: run a playbook, keep its output in $logs/NAME.log, print the recap line;
# the exit status is ansible-playbook's.
run() {
    local name="$1" playbook="$2"
    shift 2
    step=$((step + 1))
    echo "=== $step. $name: ansible-playbook $playbook $*"
    local rc=0
    ansible-playbook "$playbook" "${common[@]}" "$@" >"$logs/$name.log" 2>&1 || rc=$?
    grep -E '^localhost +:' "$logs/$name.log" || true
    return "$rc"
}

# must NAME PLAYBOOK [ARGS...]: the run must succeed (its output is shown when it does not).
must() {
    local name="$1"
    if ! run "$@"; then
        echo "FAIL: $name failed; its output:" >&2
        tail -80 "$logs/$name.log" >&2
        exit 1
    fi
}

changed() { grep -E '^localhost +:' "$logs/$1.log" | sed -E 's/.* changed=([0-9]+) .*/\1/'; }

expect_changed() {   # expect_changed NAME N|nonzero
    local n
    n="$(changed "$1")"
    if [[ "$2" == nonzero && "$n" -gt 0 ]] || [[ "$2" != nonzero && "$n" == "$2" ]]; then
        echo "ok: $1 changed=$n"
        return 0
    fi
    echo "FAIL: $1 reported changed=$n, expected $2; the changed tasks:" >&2
    grep -B2 -E '^changed:' "$logs/$1.log" >&2 || true
    exit 1
}

# The running HAProxy (a reload starts a new process and writes its PID).
haproxy_processes() { echo "pid $(cat /run/haproxy.pid 2>/dev/null || echo none)"; }

# Everything check mode could touch: the configuration, the role's state, the certificates, the processes
# (a listing, so that a difference can be shown).
state_list() {
    find /etc/haproxy /var/lib/certfleet /etc/certfleet -printf '%p %y %m %l %s %T@\n' 2>/dev/null | sort
    haproxy_processes
}

# same_state NAME: the state now is the one recorded as $logs/state-NAME-before (else show the difference).
same_state() {
    state_list >"$logs/state-$1-after"
    if ! diff "$logs/state-$1-before" "$logs/state-$1-after" >&2; then
        echo "FAIL: $1 changed files under /etc/haproxy, /var/lib/certfleet or /etc/certfleet, or the processes (diff above)" >&2
        exit 1
    fi
}

# The content of the HAProxy configuration (files and links).
config_sum() {
    find /etc/haproxy \( -type f -exec sha256sum {} + \) -o \( -type l -printf '%p -> %l\n' \) | sort | sha256sum
}

# The sites' backend: serves $work/docroot on 127.0.0.1:8403, loopback only, for at most 25 minutes.
timeout 1500 python3 -m http.server --bind 127.0.0.1 --directory "$work/docroot" 8403 >"$logs/backend.log" 2>&1 &
backend_pid=$!

must prepare prepare.yml

# 0. Check mode on the host as found (the role never ran): it predicts changes and changes nothing.
state_list >"$logs/state-fresh_check-before"
must fresh_check site.yml --check
expect_changed fresh_check nonzero
same_state fresh_check
echo "ok: check mode on the host as found left everything alone"

# 1. No certificate yet: the role installs HAProxy (when missing), starts it, the HTTP frontend only, the
#    ACME path of every name routed to the ACME backend, nothing on the HTTPS port.
must first_run site.yml
expect_changed first_run nonzero
must verify_http verify.yml -e phase=http

# 2. The first certificate: dns-01 in BIND, install with cert_install (notifying the handler topic), the
#    role again: the TLS frontend serves it (also under the wildcard), verified against Pebble's root; HTTP
#    redirects to HTTPS but still routes the ACME path.
must issue issue.yml
must verify_tls verify.yml -e phase=tls -e serial=first

# 3. Idempotence: a second run changes nothing.
must second_run site.yml
expect_changed second_run 0

# 4. Check mode: nothing to do reports nothing; a change is predicted but nothing on the host moves.
state_list >"$logs/state-check-before"
must check_same site.yml --check
expect_changed check_same 0
must check_changes site.yml --check --diff -e haproxy_hsts_max_age=0 \
    -e '{"test_extra_sites": [{"name": "haproxy-new.certfleet.test", "server_names": ["haproxy-new.certfleet.test"], "backends": ["127.0.0.1:9"]}]}'
expect_changed check_changes nonzero
same_state check
echo "ok: check mode left every file and the HAProxy process alone"

# 5. Renewal under load: the handler chain's reload takes the listening sockets over (-x), zero failed
#    connections, the new serial served.
must renew renew.yml
python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
print("ok: during the renewal %d connections in %ss, %d failed, serials seen %s" % (
    r["attempts"], r["seconds"], r["failures"], r["serials"]))' "$logs/renew-report.json"
must verify_renewed verify.yml -e phase=tls -e serial=renewed

# 6. A keyword HAProxy rejects, with a new certificate installed in the same run: the handler fails with
#    HAProxy's own message, the last working configuration comes back, HAProxy is not reloaded and keeps
#    serving the renewed certificate from the same process.
config_before="$(config_sum)"
processes_before="$(haproxy_processes)"
if run broken broken.yml \
    -e '{"broken_config": "frontend certfleet_broken\n    bind 127.0.0.1:8445\n    certfleet-no-such-keyword on\n"}'; then
    echo "FAIL: the run with an invalid keyword succeeded" >&2
    exit 1
fi
for expected in "[ALERT]" "unknown keyword 'certfleet-no-such-keyword'" "The last working configuration is back in place" \
                "haproxy -c rejected the configuration"; do
    if ! grep -qF "$expected" "$logs/broken.log"; then
        echo "FAIL: the failed run does not say: $expected" >&2
        tail -40 "$logs/broken.log" >&2
        exit 1
    fi
done
echo "ok: the failed run shows HAProxy's message"
if [[ "$(config_sum)" != "$config_before" ]]; then
    echo "FAIL: the configuration after the failed run differs from the one before it" >&2
    exit 1
fi
if [[ "$(haproxy_processes)" != "$processes_before" ]]; then
    echo "FAIL: HAProxy was reloaded or restarted ($processes_before, now $(haproxy_processes))" >&2
    exit 1
fi
if [[ ! -e /var/lib/certfleet/haproxy/reload-pending ]]; then
    echo "FAIL: the failed reload is not marked as pending" >&2
    exit 1
fi
echo "ok: the previous configuration is back, HAProxy was not reloaded"
must verify_after_broken verify.yml -e phase=tls -e serial=renewed

# 7. The next run tries the failed reload again (changed): the certificate installed in step 6 is served;
#    the run after that changes nothing.
must retry_run site.yml
expect_changed retry_run nonzero
if [[ -e /var/lib/certfleet/haproxy/reload-pending ]]; then
    echo "FAIL: the pending reload is still marked after a successful one" >&2
    exit 1
fi
must verify_retried verify.yml -e phase=tls -e serial=unserved
must last_run site.yml
expect_changed last_run 0

echo "role_haproxy: all steps passed"
