#!/usr/bin/env bash
# Builds illusion, installs the peer tools when it can (fio, hyperfine, rt-tests' cyclictest;
# perf comes with the build's packages) and runs `illusion verify --peers`: illusion's headline
# timings beside the peers' own, on this machine. Extra arguments go to verify, e.g.
# scripts/peers.sh --rounds 5 --json peers.json
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing_packages
install_peer_packages
configure_and_build
exec "$BUILD_DIR/illusion" verify --peers "$@"
