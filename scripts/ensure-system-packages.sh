#!/usr/bin/env bash
# Installs the Debian packages the project needs when a command is missing and we may.
# Usage: ensure-system-packages.sh COMMAND:PACKAGE ...   e.g. chromium:chromium msgfmt:gettext
set -euo pipefail
missing=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Cài gói hệ thống: ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Thiếu gói hệ thống: ${missing[*]}. Cài bằng: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
