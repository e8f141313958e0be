#!/bin/sh
# Serve the studio on localhost:PORT until Ctrl+C, then exit cleanly (status 0).
# Usage: scripts/serve-studio.sh VENV_BIN PORT
bin=$1
port=$2
echo "Sourcing Studio: http://localhost:$port  (Ctrl+C to stop)"
# studio.serve is `streamlit run studio/app.py` with the pages' libraries imported
# before the first browser visit (docs/studio.md, "How fast").
"$bin/python" -m studio.serve \
    --server.port "$port" --server.address localhost --server.headless true \
    --browser.gatherUsageStats false &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null; wait "$pid"; echo "Studio stopped."; exit 0' INT TERM
wait "$pid"
