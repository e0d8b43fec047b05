#!/usr/bin/env bash
# Builds illusion and its tests (Release, warnings as errors) and runs the whole suite.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PACKAGES+=(chromium)  # the HTML report test renders the report in headless Chromium
install_missing_packages
install_peer_packages  # for the verify --peers test; it passes without them too
configure_and_build
source "$ROOT/scripts/leftovers.sh"
leftovers_snapshot
(cd "$BUILD_DIR" && ctest --output-on-failure --timeout 300)
leftovers_check "$BUILD_DIR"
