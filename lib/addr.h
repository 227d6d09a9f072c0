/*
 * addr.h: IPv4/IPv6 addresses, prefixes and MAC addresses — parsing,
 * formatting and the subnet arithmetic the checks and the planner need.
 * Pure functions, no allocation.
 */
#ifndef VNET_ADDR_H
#define VNET_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct vn_addr {
        int family; /* AF_INET, AF_INET6, or 0 = unset */
        union {
                struct in_addr v4;
                struct in6_addr v6;
                uint8_t bytes[16];
        } u;
};

#define VN_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define VN_MAC_STRLEN  18

/* Strict parse: dotted quad (no shortened forms, no leading garbage) or IPv6. */
int vn_addr_parse(const char *s, struct vn_addr *out);
/* Parse only the given family (AF_INET/AF_INET6). */
int vn_addr_parse_family(const char *s, int family, struct vn_addr *out);
const char *vn_addr_format(const struct vn_addr *a, char buf[VN_ADDR_STRLEN]);
bool vn_addr_is_set(const struct vn_addr *a);
bool vn_addr_equal(const struct vn_addr *a, const struct vn_addr *b);
/* Compare as unsigned big-endian numbers; families must match. */
int vn_addr_cmp(const struct vn_addr *a, const struct vn_addr *b);
/* Netmask (contiguous ones only) → prefix length, -EINVAL otherwise. */
int vn_netmask_to_prefix(const struct vn_addr *mask);
void vn_prefix_to_netmask(int family, unsigned prefix, struct vn_addr *out);
/* a & mask(prefix) */
void vn_addr_network(const struct vn_addr *a, unsigned prefix, struct vn_addr *out);
/* IPv4 broadcast (network | ~mask). */
void vn_addr_broadcast(const struct vn_addr *a, unsigned prefix, struct vn_addr *out);
bool vn_addr_in_subnet(const struct vn_addr *a, const struct vn_addr *net, unsigned prefix);
/* Do the two subnets overlap? */
bool vn_subnet_overlap(const struct vn_addr *a, unsigned pa, const struct vn_addr *b, unsigned pb);
/* Number of addresses from start to end inclusive (saturates at UINT64_MAX). */
uint64_t vn_addr_range_size(const struct vn_addr *start, const struct vn_addr *end);
/* Default prefix for an IPv4 address without netmask/prefix, as libvirt's classful rule. */
unsigned vn_addr_default_prefix(const struct vn_addr *a);

/* Value of one hex digit, -1 when c is not one. */
int vn_hexval(char c);

/* MAC: "aa:bb:cc:dd:ee:ff" (case-insensitive, each octet 1–2 hex digits). */
int vn_mac_parse(const char *s, uint8_t mac[6]);
const char *vn_mac_format(const uint8_t mac[6], char buf[VN_MAC_STRLEN]); /* lower-case */

#endif
