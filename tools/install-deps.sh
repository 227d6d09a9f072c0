#!/bin/bash
# install-deps.sh: install (as root, on Debian 12) every Debian package vnet
# needs to build, run and test. Idempotent.
#   --runtime   only what running vnet needs
set -euo pipefail

RUNTIME=(dnsmasq-base adduser nftables iptables iproute2 libxml2 libnl-3-200 libnl-route-3-200 libnftables1
	libnftnl11 libmnl0)
BUILD=(gcc make autoconf automake pkg-config libxml2-dev libnl-3-dev libnl-route-3-dev
	libnftables-dev libnftnl-dev libmnl-dev libcmocka-dev libvirt-dev)
TEST=(busybox-static socat iputils-ping python3 procps libxml2-utils valgrind clang libclang-rt-14-dev libvirt-daemon-system libvirt-clients frr
	qemu-system-x86 linux-image-amd64
	# fidelity.sh: a second real DHCP client (Debian's dhclient-script applies routes and MTU)
	isc-dhcp-client
	# bench/charts.sh: the scale curves of make bench as SVG (bench-smoke checks them)
	gnuplot-nox
	# tests/e2e/helper.sh: the bridge helper installed with file capabilities (setcap)
	libcap2-bin
	# bandwidth.sh: throughput through <bandwidth>; fw-details.sh: the DHCP checksum fill
	iperf3 iptables)

pkgs=("${RUNTIME[@]}")
[ "${1:-}" = --runtime ] || pkgs+=("${BUILD[@]}" "${TEST[@]}")

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get install)" >&2
	exit 1
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# libvirt's packages would start libvirtd on the host, which autostarts its default
	# network in the root namespace; the libvirt test runs its own libvirtd in a namespace
	if [[ " ${missing[*]} " == *" libvirt-daemon-system "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# dnsmasq runs as its own user (vnet(8), "dnsmasq"): Debian's dnsmasq package creates
# `dnsmasq`, but vnet needs only dnsmasq-base, which does not. Create it as that package does
# (a system user in group nogroup, no home, no login) — never the daemon or its service.
if ! getent passwd dnsmasq >/dev/null; then
	adduser --system --home /var/lib/misc --no-create-home --disabled-password \
		--gecos dnsmasq --quiet dnsmasq
fi
