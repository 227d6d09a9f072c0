#!/bin/bash
# quickstart.sh: install what vnet needs (Debian 12, root), build it, and run
# its main job on the examples under a throwaway --root: validate each file
# (against libvirt's schema when available), define them, list, dump and plan
# one. Nothing on the host's network is changed.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

bash tools/install-deps.sh
if [ ! -x build/default/tools/vnet ]; then
	./autogen.sh >/dev/null 2>&1
	mkdir -p build/default
	(cd build/default && "$top/configure" -q && make -s -j"$(nproc)")
else
	make -s -C build/default
fi
VNET=$top/build/default/tools/vnet
root=$(mktemp -d /tmp/vnet-quickstart.XXXXXX)
trap 'rm -rf "$root"' EXIT
schema=()
[ -f ../shared/conformance/libvirt-schemas/network.rng ] && schema=(--schema-dir ../shared/conformance/libvirt-schemas)

set -x
"$VNET" validate "${schema[@]}" examples/*.xml
for f in examples/*.xml; do "$VNET" --root "$root" define "$f"; done
"$VNET" --root "$root" list --all
"$VNET" --root "$root" dumpxml default
"$VNET" --root "$root" plan default
