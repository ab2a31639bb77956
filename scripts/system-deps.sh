#!/bin/sh
# The two programs the test suite needs from the operating system, not from PyPI or npm:
#   chromium (/usr/bin/chromium)  the browser tests drive it headless through playwright
#   nginx    (/usr/sbin/nginx)    the edge tests run the project's own nginx config
# Run as root on Debian/Ubuntu, it installs whichever is missing with apt-get (Debian's packages, not
# playwright's browser download); otherwise it prints one line saying what to install and exits 0, so
# that `make test` still runs (the tests needing the missing program then fail and name it).
# `make test` and `.ci/run` call it.  SYSTEM_DEPS=skip turns it off; SYSTEM_DEPS=check only reports.
set -eu

mode="${SYSTEM_DEPS:-install}"
[ "$mode" = skip ] && exit 0
chromium="${SYSTEM_DEPS_CHROMIUM:-/usr/bin/chromium}"
nginx="${SYSTEM_DEPS_NGINX:-/usr/sbin/nginx}"

missing=""
[ -x "$chromium" ] || missing="$missing chromium"
[ -x "$nginx" ] || missing="$missing nginx"
missing="${missing# }"
[ -z "$missing" ] && exit 0

if [ "$mode" = check ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: missing $missing (needed by the browser/nginx tests): install with \`sudo apt-get install $missing\` (Debian/Ubuntu) or your system's packages"
    exit 0
fi

echo "system-deps: installing $missing with apt-get"
# Installing nginx must not start Debian's nginx service on port 80: a policy-rc.d that refuses every
# service start (exit 101, as Debian's Docker images do) while apt runs, removed afterwards.
policy="${SYSTEM_DEPS_POLICY_RC:-/usr/sbin/policy-rc.d}"
added_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    added_policy=1
fi
cleanup() { if [ -n "$added_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

export DEBIAN_FRONTEND=noninteractive
# Another apt run (a second checkout's `make test`, unattended upgrades) holds dpkg's lock: wait for it.
lock="-o DPkg::Lock::Timeout=600"
# shellcheck disable=SC2086  # $lock is two words
apt-get $lock update -qq
# shellcheck disable=SC2086  # $missing is a list of package names
apt-get $lock install -y -qq --no-install-recommends $missing
