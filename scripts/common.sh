# Shared by scripts/run.sh and scripts/test.sh: install what is missing, then configure and
# build. Safe to run again: packages already present are not touched, and the build is
# incremental.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${ILLUSION_BUILD_DIR:-$ROOT/build}"

# Debian 12 packages: the toolchain, the libraries illusion links, and the public tools its
# tests cross-check against (strace -c, perf stat / perf bench).
PACKAGES=(cmake g++ ninja-build pkg-config libgtest-dev libcli11-dev nlohmann-json3-dev
          libfmt-dev liburing-dev strace linux-perf)

# The peer tools `illusion verify --peers` compares with (perf is already above). Optional:
# run.sh works without them; test.sh and peers.sh try to install them and go on without.
PEER_PACKAGES=(fio hyperfine rt-tests)

# Installs the peers when it can; a machine that cannot (no root, no registry) runs without
# them, and verify --peers says which are missing.
install_peer_packages() {
  # A subshell: install_missing_packages exits when it cannot install, and set -e would too.
  if ! (PACKAGES=("${PEER_PACKAGES[@]}") && install_missing_packages); then
    echo "illusion setup: the peer tools (${PEER_PACKAGES[*]}) could not be installed;" \
      "verify --peers will say which are missing" >&2
  fi
  return 0
}

install_missing_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "illusion setup: missing packages: ${missing[*]}" >&2
      echo "Install them as root: apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "illusion setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

configure_and_build() {
  local generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DILLUSION_WERROR=ON >&2
  fi
  cmake --build "$BUILD_DIR" --parallel "$(nproc)" >&2
}
