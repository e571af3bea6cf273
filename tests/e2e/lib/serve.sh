# tests/e2e/lib/serve.sh - sourced by the e2e scripts that start `cxm serve`
# (a subdirectory, so CMake's tests/e2e/*.sh glob does not take it for a test).

# serve_port LOG PID: waits up to 10 s for the "listening" line that the
# server PID writes to LOG; sets port (empty when the server stopped or never
# listened).
serve_port() {
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*"event":"listening".*"port":\([0-9][0-9]*\).*/\1/p' "$1" | head -1)
    [ -n "$port" ] && break
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
}

# serve_wait LOG PID: serve_port, then U=http://127.0.0.1:PORT, or the log
# printed and the test ended when there is no port.
serve_wait() {
  serve_port "$1" "$2"
  if [ -z "$port" ]; then echo "FAIL server did not start"; cat "$1"; exit 1; fi
  U=http://127.0.0.1:$port
}
