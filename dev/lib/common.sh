# shellcheck shell=bash
# Shared helpers for the dev/* scripts. Source it; do not execute it.
# Everything here is side-effect free apart from defining variables/functions,
# so sourcing it twice is harmless.
# shellcheck disable=SC2034  # variables are used by the scripts that source this

# Repo root derived from this file's location, so scripts work from any cwd.
CF_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

# All mutable state lives outside the work tree (a fresh clone stays clean).
CERTFLEET_HOME="${CERTFLEET_HOME:-/var/tmp/certfleet-dev}"
export CERTFLEET_HOME
CF_VENV="$CERTFLEET_HOME/venv"
CF_TESTBED="$CERTFLEET_HOME/testbed"
CF_STAMPS="$CERTFLEET_HOME/stamps"
# Binaries fetched outside the system's apt (dev/bootstrap), e.g. a newer pebble.
CF_OPT="$CERTFLEET_HOME/opt"
# key=value lines (bin, version, deb_version, suite) of the newer pebble that
# the test bed's `ari` instance runs; absent when none could be fetched.
CF_ARI_PEBBLE_INFO="$CF_OPT/pebble-ari.info"
CF_REQUIREMENTS="$CF_REPO_ROOT/tests/requirements-dev.txt"
# ansible-test looks for its pip bootstrap script here (see dev/bootstrap).
CF_ANSIBLE_TEST_CACHE="${HOME:-/root}/.ansible/test/cache"

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "${CF_LOG_TAG:-dev}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# "X.Y.Z" / "X.Y" of a given interpreter.
cf_py_full() { "$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])'; }
cf_py_xy()   { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }

# pyenv root without relying on the pyenv shell integration being loaded.
cf_pyenv_root() {
    if command -v pyenv >/dev/null 2>&1; then
        pyenv root 2>/dev/null && return 0
    fi
    local d="${PYENV_ROOT:-${HOME:-/root}/.pyenv}"
    [[ -d "$d/versions" ]] && { printf '%s\n' "$d"; return 0; }
    return 1
}

# Controller interpreter: newest real pyenv CPython >= 3.12 (ansible-core 2.20+
# needs it), else the system python3. Shims are never used: ansible-test breaks
# on them, so we resolve the real binary path.
cf_pick_python() {
    local root cand ver best=""
    if root="$(cf_pyenv_root)"; then
        best="$(
            shopt -s nullglob
            for cand in "$root"/versions/3.1[2-9]*/bin/python3.1[2-9]; do
                # only plain X.Y.Z builds (skip 3.13.0t, 3.14-dev, ...)
                [[ "$(basename "$(dirname "$(dirname "$cand")")")" =~ ^3\.[0-9]+\.[0-9]+$ ]] || continue
                ver="$(cf_py_full "$cand" 2>/dev/null)" || continue
                printf '%s %s\n' "$ver" "$cand"
            done | sort -V | tail -n1 | cut -d' ' -f2-
        )"
    fi
    readlink -f "${best:-/usr/bin/python3}"
}

# PATH with pyenv shims removed (they confuse ansible-test's interpreter lookup).
cf_clean_path() {
    local out="" p IFS=:
    for p in $PATH; do
        [[ -z "$p" || "$p" == *pyenv*/shims ]] && continue
        out="${out:+$out:}$p"
    done
    printf '%s\n' "$out"
}

# Put our venv first on PATH for ansible-test / ansible-galaxy / ansible-playbook.
cf_activate_venv() {
    [[ -x "$CF_VENV/bin/python" && -x "$CF_VENV/bin/ansible-test" ]] \
        || die "venv $CF_VENV is missing or incomplete; run dev/bootstrap"
    export VIRTUAL_ENV="$CF_VENV"
    PATH="$CF_VENV/bin:$(cf_clean_path)"
    export PATH
    unset PYTHONHOME PYTHONPATH PYENV_VERSION
    CF_PY_XY="$(cf_py_xy "$CF_VENV/bin/python")"
    export CF_PY_XY
}

# Seconds since a file was modified (huge if missing).
cf_age() {
    local f="$1"
    [[ -e "$f" ]] || { echo 999999999; return; }
    echo $(( $(date +%s) - $(stat -c %Y "$f") ))
}
