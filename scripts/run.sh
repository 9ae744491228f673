#!/usr/bin/env bash
# Starts hotlined in the foreground with the embedded SQLite store and the
# demo tenant (make run). Settings come from the HOTLINE_* environment
# variables (see `build/hotlined --help`); Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${HOTLINE_DATA:-./var}
HTTP=${HOTLINE_HTTP:-127.0.0.1:8080}
echo "Starting hotlined (data in $DATA, console on http://$HTTP/)"
if [ -f "$DATA/initial-credentials" ]; then
  echo "Initial logins (until you change them):"
  sed 's/^/  /' "$DATA/initial-credentials"
elif [ -z "${HOTLINE_ADMIN_PASSWORD:-}" ]; then
  echo "First start: the demo administrator's password is generated and printed below."
fi
exec build/hotlined --data "$DATA" --http "$HTTP" "$@"
