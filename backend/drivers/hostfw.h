/*
 * hostfw.h: what the host's other firewall tables do to a network's traffic.
 * An accept in vnet's table never overrides a drop in another table, so
 * vnet reads every other base chain on the input and forward hooks from the
 * kernel (nftables, which includes iptables-nft) and evaluates its rules
 * against synthetic packets shaped like the network's DHCP, DNS and
 * forwarded traffic.
 */
#ifndef VNET_HOSTFW_H
#define VNET_HOSTFW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

enum vn_hostfw_hook { VN_HOOK_INPUT, VN_HOOK_FORWARD };

/* One packet the network needs the host to pass (IPv4). */
struct vn_hostfw_pkt {
        const char *what; /* "DHCP", "DNS", … (used in messages) */
        enum vn_hostfw_hook hook;
        const char *iif; /* interface names; oif NULL on the input hook, or unknown */
        const char *oif;
        uint8_t l4; /* IPPROTO_UDP, IPPROTO_TCP */
        struct in_addr saddr, daddr;
        uint16_t sport, dport;
        bool established; /* ct state established (a reply); else new */
        bool broadcast;   /* meta pkttype broadcast */
};

/* Where a packet is dropped. table[0] == '\0': nothing drops it (or it cannot be told). */
struct vn_hostfw_drop {
        char family[8];
        char table[64];
        char chain[64];
        bool by_policy; /* the chain's policy; else rule `handle` */
        uint64_t handle;
        char verdict[8]; /* "drop" or "reject" */
        char rule[256];  /* the rule as `nft -a list` prints it, when by a rule */
};

/**
 * vn_hostfw_check: for each of n packets, the first base chain of another table (not
 * inet SKIP_TABLE) on the packet's hook whose verdict for it is drop or reject; out[i]
 * left empty when none does. Rules whose match cannot be decided (xt matches, set
 * lookups, fib, …) never produce a drop: an undecidable accept ends the chain's
 * evaluation with no verdict, an undecidable drop is skipped. Returns 0 or -errno
 * (the ruleset could not be read).
 */
int vn_hostfw_check(const char *skip_table, const struct vn_hostfw_pkt *pkts, size_t n,
                    struct vn_hostfw_drop *out, struct vn_error *err);

#endif
