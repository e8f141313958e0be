#!/bin/sh
# Install the Debian packages the test suite needs, only when they are missing:
#   postgresql               the ruleset store's tests start a real local server
#   chromium chromium-driver the browser tests drive the studio and reports headless
# Idempotent, no prompts; `apt-get update` runs only when something must be installed.
# Runs as root, or through `sudo -n` for a normal user. Says what it does.
set -eu

PACKAGES="postgresql chromium chromium-driver"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-packages: not a Debian-like system; install yourself: $PACKAGES"
    exit 0
fi

missing=""
for package in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $package" ;;
    esac
done

if [ -z "$missing" ]; then
    echo "system-packages: already installed: $PACKAGES"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo -n"
else
    echo "system-packages: missing:$missing — run this script as root to install them" >&2
    exit 1
fi

echo "system-packages: installing:$missing"
echo "+ apt-get update"
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
echo "+ apt-get install -y --no-install-recommends$missing"
# shellcheck disable=SC2086  # the package list is meant to split into words
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
echo "system-packages: done"
