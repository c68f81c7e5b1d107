#!/bin/sh
# Prints the path of a uv binary, installing a pinned uv for this user when none exists.
# Only python3 is assumed: `pip --user` is tried first, then a private venv,
# then the wheel straight from PyPI (a wheel is a zip with the binary inside).
set -eu
UV_VERSION="${UV_VERSION:-0.13.9}"
USER_BIN="${HOME}/.local/bin"

if command -v uv >/dev/null 2>&1; then command -v uv; exit 0; fi
if [ -x "${USER_BIN}/uv" ]; then echo "${USER_BIN}/uv"; exit 0; fi

echo "uv not found: installing uv ${UV_VERSION} for $(id -un)" >&2
# PEP 668 systems (Debian's python3) refuse --user installs: the venv route below covers them.
if python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install --quiet --user "uv==${UV_VERSION}" >/dev/null 2>&1 || true
fi
if [ ! -x "${USER_BIN}/uv" ] && python3 -m venv "${HOME}/.local/share/shortstack-uv" >/dev/null 2>&1; then
    "${HOME}/.local/share/shortstack-uv/bin/python" -m pip install --quiet "uv==${UV_VERSION}" >&2 || true
    if [ -x "${HOME}/.local/share/shortstack-uv/bin/uv" ]; then
        mkdir -p "${USER_BIN}"
        ln -sf "${HOME}/.local/share/shortstack-uv/bin/uv" "${USER_BIN}/uv"
    fi
fi
if [ ! -x "${USER_BIN}/uv" ]; then
    python3 "$(dirname "$0")/fetch_uv_wheel.py" "${UV_VERSION}" "${USER_BIN}" >&2
fi
[ -x "${USER_BIN}/uv" ] || { echo "could not install uv; install it by hand (https://docs.astral.sh/uv/)" >&2; exit 1; }
echo "${USER_BIN}/uv"
