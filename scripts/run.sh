#!/usr/bin/env bash
# Builds illusion (Release) and runs the main job: `illusion run`.
# Extra arguments go to `illusion run`, e.g. scripts/run.sh --quick --json run.json
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing_packages
configure_and_build
exec "$BUILD_DIR/illusion" run "$@"
