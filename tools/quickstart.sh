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
# namespaces, checked, torn down (see `vnet lab --help`)
"$VNET" lab examples/nat.xml
