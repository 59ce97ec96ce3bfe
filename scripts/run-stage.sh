#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make run` adds to the initramfs: build/run/run.sh, which the
# guest's /init runs in mode run, and the image to boot.
#
#   scripts/run-stage.sh [IMAGE] [RUN_OPTS] [GUEST_ARGS]
#
# Without IMAGE the demo guest (build/images/demo.elf, already in /images)
# runs. RUN_OPTS are more axvcpu-run options (default "--cpus 2"), GUEST_ARGS
# what follows "--" on its command line; both are split at spaces.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
STAGE=$TOP/build/run
IMAGE=${1:-}
RUN_OPTS=${2:---cpus 2}
GUEST_ARGS=${3:-}

die() { echo "run-stage: error: $*" >&2; exit 1; }

rm -rf "$STAGE"
mkdir -p "$STAGE/images"
if [ -n "$IMAGE" ]; then
	[ -f "$IMAGE" ] || die "IMAGE=$IMAGE: no such file"
	install -m 0644 "$IMAGE" "$STAGE/images/"
	guest=/images/$(basename "$IMAGE")
else
	[ -f "$TOP/build/images/demo.elf" ] || die "no build/images/demo.elf: run 'make' first"
	guest=/images/demo.elf
fi

# Single quotes survive busybox sh; a quote inside would end them early.
case "$RUN_OPTS$GUEST_ARGS$guest" in
*"'"*) die "RUN_OPTS and GUEST_ARGS may not contain single quotes" ;;
esac
cat >"$STAGE/run.sh" <<SCRIPT
#!/bin/sh
# Written by scripts/run-stage.sh for make run.
echo "# axvcpu-run --stats $RUN_OPTS $guest -- $GUEST_ARGS"
/bin/axvcpu-run --stats --timeout 120 $RUN_OPTS '$guest' -- $GUEST_ARGS
SCRIPT
chmod 0755 "$STAGE/run.sh"
