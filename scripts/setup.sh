#!/usr/bin/env bash
# Installs the Debian packages iosim needs, if any is missing. Idempotent; as root or via sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libsystemc-dev
  libgtest-dev libgmock-dev
  libfmt-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  gtkwave
  clang-format
  clang libclang-rt-14-dev            # libFuzzer for scripts/fuzz.sh (fuzz/README.md); the
                                      # runtime is only a recommendation of clang
  python3-jsonschema python3-yaml     # tests/schema_test.py (docs/schemas/)
)
# The desktop GUI (gui/) needs Qt6; install it too so that a full build works on a fresh machine.
packages+=(qt6-base-dev libqt6opengl6-dev qt6-svg-dev qt6-charts-dev fonts-dejavu-core xvfb xauth)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup: missing packages (${missing[*]}) and neither root nor sudo to install them" >&2
  exit 2
fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
