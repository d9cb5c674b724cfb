#!/usr/bin/env bash
# Integration test of the role certfleet.acme.apache, as separate ansible-playbook runs: a second run's
# changed=0, check mode and a run that must fail are only visible from outside a play.
#
# Apache listens on 127.0.0.1:8082 (HTTP) and 127.0.0.1:8442 (HTTPS) only. cleanup.yml (always) stops it
# and puts back what prepare.yml recorded: packages the target installed are purged, an Apache
# configuration that was there is restored, and every path the target created is removed.
set -eu

export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0

work="$(mktemp -d /tmp/role_apache.XXXXXX)"
chmod 0755 "$work"   # Apache's workers (www-data) read the document root below it
logs="$work/logs"
mkdir -p "$logs"
common=(-e @../../integration_config.yml -e "work=$work")
step=0

finish() {
    rc=$?
    if ! ansible-playbook cleanup.yml "${common[@]}" >"$logs/cleanup.log" 2>&1; then
        echo "cleanup.yml failed:" >&2
        tail -40 "$logs/cleanup.log" >&2
        rc=1
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
    local rc=0 start=$SECONDS
    ansible-playbook "$playbook" "${common[@]}" "$@" >"$logs/$name.log" 2>&1 || rc=$?
    grep -E '^localhost +:' "$logs/$name.log" || true
    echo "    ($((SECONDS - start)) s, exit $rc)"
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

# Everything check mode could touch: the configuration, the role's state, the certificates.
state_sum() {
    find /etc/apache2 /var/lib/certfleet /etc/certfleet -printf '%p %y %m %l %s %T@\n' 2>/dev/null | sort | sha256sum
    cat /var/run/apache2/apache2.pid 2>/dev/null || true
}

must prepare prepare.yml

# 1. No certificate yet: the role installs Apache, HTTP vhosts only, the ACME path on every vhost.
must first_run site.yml
must verify_http verify.yml -e phase=http

# 2. Issue with dns-01 (acme_order + acme_challenge), install with cert_install (notifying the handler),
#    the role again: the SSL vhost serves the certificate, verified against Pebble's root.
must issue issue.yml
must verify_tls verify.yml -e phase=tls

# 3. Idempotence: a second run changes nothing.
must second_run site.yml
expect_changed second_run 0

# 4. Check mode: nothing to do reports nothing; a change is predicted but nothing on the host moves.
before="$(state_sum)"
must check_same site.yml --check
expect_changed check_same 0
must check_changes site.yml --check --diff -e apache_hsts_max_age=0 \
    -e '{"test_extra_sites": [{"name": "apache-new.certfleet.test", "server_names": ["apache-new.certfleet.test"]}]}'
expect_changed check_changes nonzero
if [[ "$(state_sum)" != "$before" ]]; then
    echo "FAIL: check mode changed files under /etc/apache2, /var/lib/certfleet or /etc/certfleet, or the master PID" >&2
    exit 1
fi
echo "ok: check mode left every file and the master process alone"

# 5. Renewal under load: graceful reload, zero failed connections, the new serial served.
must renew renew.yml
must verify_renewed verify.yml -e phase=renewed

# 6. A new certificate installed in the same run as a directive Apache rejects: the handler fails with
#    Apache's own message, the last working configuration comes back, and Apache, not reloaded, keeps
#    serving the previous certificate from the same master process.
if run broken broken.yml; then
    echo "FAIL: the run with an invalid directive succeeded" >&2
    exit 1
fi
for expected in "Invalid command 'CertfleetNoSuchDirective'" "The last working configuration is back in place" \
                "apachectl configtest rejected the configuration"; do
    if ! grep -qF "$expected" "$logs/broken.log"; then
        echo "FAIL: the failed run does not say: $expected" >&2
        tail -40 "$logs/broken.log" >&2
        exit 1
    fi
done
echo "ok: the failed run shows Apache's message"
must verify_after_broken verify.yml -e phase=after_broken

# 7. The next run tries the failed reload again (changed) and the new certificate is served; the run after
#    that changes nothing.
must retry_run site.yml
expect_changed retry_run nonzero
must verify_final verify.yml -e phase=final
must last_run site.yml
expect_changed last_run 0

echo "role_apache: all steps passed"
