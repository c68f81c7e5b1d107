#!/bin/sh
# The browser tests drive Debian's chromium. Install it when missing (root with apt-get),
# otherwise say loudly that those tests will be skipped. Never fails the build by itself.
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser: installing Debian's chromium for the browser tests (once)" >&2
    if apt-get update -qq >/dev/null && \
       DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
        exit 0
    fi
    echo "browser: apt-get install chromium FAILED; browser tests will be SKIPPED" >&2
    exit 0
fi
echo "browser: no chromium and no way to install it (not root, or no apt-get):" \
     "browser tests will be SKIPPED. Install the 'chromium' package to run them." >&2
