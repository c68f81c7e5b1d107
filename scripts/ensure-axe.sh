#!/bin/sh
# axe-core for the browser tests' accessibility checks: the pinned npm package in .tools/,
# installed once (idempotent). Without npm the tests that need it say so and skip.
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="4.14.1"
DIR="${AXE_DIR:-${ROOT}/.tools/axe-core}"
INSTALLED="${DIR}/node_modules/axe-core/package.json"
if [ -f "${INSTALLED}" ] && grep -q "\"version\": \"${VERSION}\"" "${INSTALLED}"; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "axe: npm not found; the accessibility checks of the browser tests will be SKIPPED" >&2
    exit 0
fi
echo "axe: installing axe-core@${VERSION} into ${DIR}" >&2
mkdir -p "${DIR}"
npm install --prefix "${DIR}" "axe-core@${VERSION}" --no-audit --no-fund --ignore-scripts \
    --no-save --loglevel=error >&2 || echo "axe: npm install failed; accessibility checks will be SKIPPED" >&2
