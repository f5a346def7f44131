#!/usr/bin/env bash
# Browser journeys need Debian's Chromium; install it when it is missing and we may.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Cài Chromium cho các kiểm thử trình duyệt (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Thiếu Chromium: cài gói 'chromium' (sudo apt-get install chromium) rồi chạy lại." >&2
  exit 1
fi
