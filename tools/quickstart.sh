#!/bin/bash
# quickstart.sh: install what vnet needs (Debian 12, root), build it, and run
# its main job on the NAT example inside a throwaway sandbox of network
# namespaces (`vnet lab`). Nothing on the host's own network is changed.
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
# vnet's main job, safely: the NAT example realized in a throwaway sandbox of network
# namespaces, checked, torn down (see `vnet lab --help`); when QEMU is installed one of the
# two guests is a real QEMU guest (TCG) with its NIC from vnet's fd handoff
if command -v qemu-system-x86_64 >/dev/null; then
	"$VNET" lab --qemu examples/nat.xml
else
	echo "quickstart: qemu-system-x86_64 is not installed: both guests are namespaces (apt-get install qemu-system-x86 for a QEMU guest)" >&2
	"$VNET" lab examples/nat.xml
fi
