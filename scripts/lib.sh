# Shared helpers for scripts/*. Sourced, not run.

# Pinned, so every machine and CI run the same tools (bump deliberately).
CARGO_LAMBDA_VERSION=1.9.2
ZIGLANG_VERSION=0.17.1
CFN_LINT_VERSION=1.58.0
PLAYWRIGHT_VERSION=1.65.2
PYTEST_VERSION=8.3.4
MOTO_VERSION=5.2.5

ensure_venv() {
  if [ ! -x .venv/bin/pip ]; then
    python3 -m venv .venv || {
      echo "python3 -m venv failed: install the venv module (Debian/Ubuntu: apt-get install python3-venv)" >&2
      return 1
    }
  fi
}

# cargo-lambda and zig (its linker) from PyPI into the project-local .venv.
ensure_cargo_lambda() {
  if ! .venv/bin/pip show cargo-lambda 2>/dev/null | grep -qx "Version: $CARGO_LAMBDA_VERSION" \
    || ! .venv/bin/pip show ziglang 2>/dev/null | grep -qx "Version: $ZIGLANG_VERSION"; then
    echo "==> installing cargo-lambda $CARGO_LAMBDA_VERSION and ziglang $ZIGLANG_VERSION into .venv"
    ensure_venv
    .venv/bin/pip install -q --disable-pip-version-check \
      "cargo-lambda==$CARGO_LAMBDA_VERSION" "ziglang==$ZIGLANG_VERSION"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

# cfn-lint (and optionally the SAM CLI) from PyPI into .venv.
ensure_cfn_lint() {
  if ! .venv/bin/pip show cfn-lint 2>/dev/null | grep -qx "Version: $CFN_LINT_VERSION"; then
    echo "==> installing cfn-lint $CFN_LINT_VERSION into .venv"
    ensure_venv
    .venv/bin/pip install -q --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

# Debian's Chromium and Playwright (PyPI) for the browser tests. Never `playwright install`:
# it downloads browsers, which this network refuses. The tests launch /usr/bin/chromium.
ensure_browser() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "==> installing Debian's chromium (for the browser tests)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
  ensure_venv
  # grep without -q reads all of pip's output (with -q, an early exit makes pip fail on a closed
  # pipe under pipefail, and the check would always fail).
  if ! .venv/bin/pip show playwright 2>/dev/null | grep -x "Version: $PLAYWRIGHT_VERSION" >/dev/null \
    || ! .venv/bin/pip show pytest 2>/dev/null | grep -x "Version: $PYTEST_VERSION" >/dev/null; then
    echo "==> installing playwright $PLAYWRIGHT_VERSION and pytest $PYTEST_VERSION into .venv"
    .venv/bin/pip install -q --disable-pip-version-check \
      "playwright==$PLAYWRIGHT_VERSION" "pytest==$PYTEST_VERSION"
  fi
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# moto's server (PyPI): the SQS-compatible emulator for webhook delivery, locally and in tests.
ensure_moto() {
  ensure_venv
  if ! .venv/bin/pip show moto 2>/dev/null | grep -x "Version: $MOTO_VERSION" >/dev/null \
    || [ ! -x .venv/bin/moto_server ]; then
    echo "==> installing moto[server] $MOTO_VERSION into .venv (the SQS emulator)"
    .venv/bin/pip install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
}

# Starts moto_server on 127.0.0.1:$1 in the background (pid in MOTO_PID) and waits until it
# answers.
start_moto() {
  .venv/bin/moto_server -H 127.0.0.1 -p "$1" >"${2:-/dev/null}" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    kill -0 "$MOTO_PID" 2>/dev/null || { echo "moto_server could not start on port $1" >&2; return 1; }
    sleep 0.1
  done
  echo "moto_server did not answer on port $1" >&2
  return 1
}
