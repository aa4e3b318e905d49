# The common start of every modules/**/build.sh (guests in languages other than Rust):
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" TOOL LANG "$@"
#
# checks that the build got one argument, OUTDIR, and sets `out` (OUTDIR, absolute, made if
# missing), `here` (the build's folder), `root` (the repository) and `tools` (the folder
# scripts/toolchains.sh fills). It finds TOOL on PATH or in `$tools/bin`; without it, it
# says which command installs LANG's toolchain and exits with status 3, which
# scripts/guests.sh takes as "toolchain missing".
_tool="$1" _lang="$2"
shift 2
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}"
if ! command -v "$_tool" >/dev/null 2>&1; then
  PATH="$tools/bin:$PATH"
fi
if ! command -v "$_tool" >/dev/null 2>&1; then
  echo "$_lang toolchain missing: run ./scripts/toolchains.sh $(echo "$_lang" | tr 'A-Z' 'a-z')" >&2
  exit 3
fi
unset _tool _lang
