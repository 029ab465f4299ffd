#!/usr/bin/env bash
# The browser demo on this machine: builds the site (scripts/build-web.sh) and serves it at
# http://127.0.0.1:8000 (PORT=... to change) until Ctrl-C. Any static web server would do: the page needs
# no server code, only http (browsers refuse WebAssembly and workers from file://).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-web.sh
port=${PORT:-8000}
echo "demo: open http://127.0.0.1:$port/ (Ctrl-C stops the server)"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory build/web
