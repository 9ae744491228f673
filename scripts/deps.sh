#!/usr/bin/env bash
# Installs the Debian and npm packages Hotline needs, only those missing.
# Quiet when everything is there; safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(
  build-essential pkg-config tzdata curl
  libre-dev librem-dev libjansson-dev libsqlite3-dev libpq-dev libsodium-dev
  libcmocka-dev libspandsp-dev libopus-dev libbcg729-dev
  libsndfile1-dev libespeak-ng-dev espeak-ng-data libssl-dev
  clang libclang-rt-14-dev
  postgresql sip-tester baresip linphone-cli
  python3 python3-pytest python3-requests python3-yaml python3-websocket
  chromium
)

missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js: any install that gives node and npm will do (Debian's or a repack).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages of the web console, reinstalled when the lock file changes.
# `npm install` follows package-lock.json exactly (npm 11's `npm ci` refuses
# a lock that records only this platform's optional rollup binary).
if [ -f web/package-lock.json ]; then
  stamp=web/node_modules/.hotline-lock
  if ! cmp -s web/package-lock.json "$stamp" 2>/dev/null; then
    echo "deps: installing web packages (npm install)"
    (cd web && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1) \
      || { echo "deps: npm install failed in web/" >&2; exit 1; }
    cp web/package-lock.json "$stamp"
  fi
fi
