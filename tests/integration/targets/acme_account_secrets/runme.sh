#!/usr/bin/env bash
# Runs account operations at -vvvv and searches every output, log and result for the secrets used.
# No "set -x": the trace would print the secrets this test looks for.
set -eu

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passphrase="pass-$(openssl rand -hex 12)"
new_passphrase="pass-$(openssl rand -hex 12)"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -pass "pass:$passphrase" \
    -out "$work/old.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-256-cbc -pass "pass:$new_passphrase" \
    -out "$work/new.key" 2>/dev/null

# Passphrases go in a vars file: -vvvv echoes command-line extra vars, which is Ansible's doing, not ours.
printf 'old_passphrase: "%s"\nnew_passphrase: "%s"\nwork: "%s"\n' "$passphrase" "$new_passphrase" "$work" >"$work/vars.yml"
ANSIBLE_LOG_PATH="$work/ansible.log" ANSIBLE_NOCOLOR=1 ansible-playbook -vvvv secrets.yml \
    -e @../../integration_config.yml -e "@$work/vars.yml" >"$work/output.log" 2>&1 || {
    echo "the playbook failed; its output (which may hold secrets) was:" >&2
    tail -40 "$work/output.log" >&2
    exit 1
}
grep -q 'failed=0' "$work/output.log"
test -s "$work/results.json"

# The secrets: both passphrases, the EAB MAC key, and every line of both keys (encrypted and plain PEM).
eab_key="$(sed -n 's/^acme_eab_key_2: *//p' ../../integration_config.yml)"
secrets_file="$work/secrets.txt"
{
    printf '%s\n' "$passphrase" "$new_passphrase" "$eab_key"
    for key in old new; do
        pass="$passphrase"; [ "$key" = new ] && pass="$new_passphrase"
        grep -v -- '-----' "$work/$key.key"
        openssl pkey -in "$work/$key.key" -passin "pass:$pass" | grep -v -- '-----'
    done
} | awk 'length($0) >= 16' >"$secrets_file"
count="$(wc -l <"$secrets_file")"
[ "$count" -ge 10 ] || { echo "only $count secret strings to look for: the test would prove nothing" >&2; exit 1; }

leaks=0
for place in output.log ansible.log results.json; do
    if grep -F -f "$secrets_file" -q "$work/$place"; then
        echo "LEAK: a secret appears in $place" >&2
        leaks=1
    fi
done
[ "$leaks" = 0 ]
echo "searched $(wc -c <"$work/output.log") bytes of -vvvv output, the log and the results for $count secret strings: none found"
