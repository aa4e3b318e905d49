#!/usr/bin/env bash
# Builds the guest modules written in languages other than Rust (C, Zig, AssemblyScript,
# Go, JavaScript, Python) into modules/target/guests/. The Rust guests are built by cargo
# (modules/ is their workspace) and WAT files are loaded as they are.
#
#   ./scripts/guests.sh            # every guest whose toolchain is installed; skip the rest
#   ./scripts/guests.sh --strict   # a missing toolchain is an error (scripts/test.sh)
#
# Every folder under modules/ with a `build.sh` is one build: `build.sh OUTDIR` writes its
# .wasm files to OUTDIR and exits with status 3 (after saying what to install) when its
# toolchain is missing. A build runs again only when its folder, the folders it names on
# `# sdk: <dir>` lines of its build.sh (its SDK, and the WIT world for components), or the
# toolchain pins change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
strict=0
[ "${1:-}" = "--strict" ] && strict=1
out="$root/modules/target/guests"
stamps="$out/.stamps"
mkdir -p "$out" "$stamps"
eval "$("$root/scripts/toolchains.sh" --env)"

# A hash of the files a build depends on.
fingerprint() {
  local dir="$1" sdks=() sdk
  while IFS= read -r sdk; do
    sdks+=("$root/$sdk")
  done < <(sed -n 's/^# sdk: *//p' "$dir/build.sh")
  {
    find "$dir" "${sdks[@]}" -type f \
      -not -path '*/node_modules/*' -not -path '*/target/*' -not -path '*/__pycache__/*' \
      -print0 2>/dev/null | sort -z | xargs -0 sha256sum
    cat "$root/scripts/toolchains/requirements.txt" "$root/scripts/toolchains/package-lock.json" \
      "$root/modules/guest-build.sh"
  } | sha256sum | cut -c1-16
}

failed=0
skipped=()
while IFS= read -r script; do
  dir="$(dirname "$script")"
  rel="${dir#"$root"/}"
  stamp="$stamps/$(echo "$rel" | tr '/' '_')"
  fp="$(fingerprint "$dir")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fp" ]; then
    continue
  fi
  echo "guests: building $rel"
  set +e
  (cd "$dir" && bash ./build.sh "$out")
  status=$?
  set -e
  case $status in
    0) echo "$fp" >"$stamp" ;;
    3) skipped+=("$rel") ;;
    *) echo "guests: $rel failed (status $status)" >&2; failed=1 ;;
  esac
done < <(find "$root/modules" -mindepth 2 -maxdepth 3 -name build.sh -not -path '*/target/*' | sort)

if [ ${#skipped[@]} -gt 0 ]; then
  echo "guests: skipped for want of a toolchain: ${skipped[*]} (./scripts/toolchains.sh installs them)" >&2
  [ $strict = 1 ] && failed=1
fi
exit $failed
