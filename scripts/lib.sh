# Shared helpers for scripts/*. Sourced, not run.

# Pinned, so every machine and CI run the same tools (bump deliberately).
CARGO_LAMBDA_VERSION=1.9.2
ZIGLANG_VERSION=0.17.1
CFN_LINT_VERSION=1.58.0
PLAYWRIGHT_VERSION=1.65.2
PYTEST_VERSION=8.3.4

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
