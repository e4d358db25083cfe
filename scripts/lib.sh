# Shared helpers for scripts/*. Sourced, not run.

# cargo-lambda and zig (its linker) from PyPI into the project-local .venv.
ensure_cargo_lambda() {
  if [ ! -x .venv/bin/cargo-lambda ] || ! .venv/bin/python -c 'import ziglang' 2>/dev/null; then
    echo "==> installing cargo-lambda and ziglang into .venv"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check cargo-lambda ziglang
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

# cfn-lint (and optionally the SAM CLI) from PyPI into .venv.
ensure_cfn_lint() {
  if [ ! -x .venv/bin/cfn-lint ]; then
    echo "==> installing cfn-lint into .venv"
    [ -x .venv/bin/pip ] || python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check cfn-lint
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}
