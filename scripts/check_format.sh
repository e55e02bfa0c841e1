#!/usr/bin/env bash
# Every C++ file of the repository must be clean under .clang-format, checked with Debian's
# clang-format 14 (the major version is pinned: another version formats some constructs
# differently). `scripts/check_format.sh --fix` rewrites the files in place.
set -euo pipefail
cd "$(dirname "$0")/.."
cf=clang-format-14
command -v "$cf" >/dev/null || { echo "check_format: $cf not found (apt-get install clang-format-14)"; exit 2; }
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.hpp' '*.cpp' '*.h')
if [[ "${1:-}" == "--fix" ]]; then
  "$cf" -i "${files[@]}"
  exit 0
fi
if ! "$cf" --dry-run --Werror "${files[@]}" 2>/tmp/check_format.$$; then
  grep -E '^[^ ].*(warning|error):' /tmp/check_format.$$ | cut -d: -f1 | sort -u | sed 's/^/  not formatted: /'
  rm -f /tmp/check_format.$$
  echo "check_format: run scripts/check_format.sh --fix"
  exit 1
fi
rm -f /tmp/check_format.$$
echo "check_format: ${#files[@]} files clean under .clang-format (clang-format 14)"
