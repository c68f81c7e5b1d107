#!/bin/sh
# Refresh the frontend's vendored libraries from the npm registry: pinned versions, checked
# tarballs. The files are committed (a machine with only python3 serves the UI as it is);
# tests/unit/test_web_vendor.py checks that the committed copies are these builds.
#
#   scripts/vendor-web.sh          fetch, verify and copy into web/assets/vendor/
set -eu

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="${ROOT}/web/assets/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT

# name@version, the tarball's sha512 integrity as npm publishes it, files to copy (package/...).
fetch() {
    spec="$1"; integrity="$2"; shift 2
    echo "vendor-web: ${spec}" >&2
    (cd "${WORK}" && npm pack "${spec}" --silent >/dev/null)
    tarball="$(ls "${WORK}"/*.tgz)"
    actual="sha512-$(openssl dgst -sha512 -binary "${tarball}" | base64 -w0)"
    if [ "${actual}" != "${integrity}" ]; then
        echo "vendor-web: ${spec}: integrity ${actual} is not the pinned ${integrity}" >&2
        exit 1
    fi
    tar -xzf "${tarball}" -C "${WORK}"
    for file in "$@"; do
        cp "${WORK}/package/${file}" "${VENDOR}/$(basename "${file}")"
    done
    rm -rf "${WORK:?}"/*
}

fetch "uplot@1.6.32" \
    "sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw==" \
    dist/uPlot.esm.js dist/uPlot.min.css
fetch "qrcode-generator@1.4.4" \
    "sha512-HM7yY8O2ilqhmULxGMpcHSF1EhJJ9yBj8gvDEuZ6M+KGJ0YY2hKpnXvRD+hZPLrDVck3ExIGhmPtSdcjC+guuw==" \
    qrcode.js
( cd "${VENDOR}" && sha256sum uPlot.esm.js uPlot.min.css qrcode.js > SHA256SUMS )
echo "vendor-web: done; commit web/assets/vendor/" >&2
