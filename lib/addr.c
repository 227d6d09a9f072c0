/*
 * addr.c: IPv4/IPv6 address and MAC parsing/formatting and the subnet
 * arithmetic used by the checks and the planner. Pure, no allocation.
 */
#include "config.h"

#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static size_t addr_len(int family)
{
        return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Dotted quad, exactly four decimal parts of 1-3 digits, each <= 255.
 * Leading zeros are decimal ("010" is 10), unlike inet_aton. */
static int parse_ipv4(const char *s, struct in_addr *out)
{
        uint8_t b[4];
        int part;

        for (part = 0; part < 4; part++) {
                unsigned v = 0;
                int digits = 0;

                while (*s >= '0' && *s <= '9') {
                        if (++digits > 3)
                                return -EINVAL;
                        v = v * 10 + (unsigned)(*s - '0');
                        s++;
                }
                if (digits == 0 || v > 255)
                        return -EINVAL;
                b[part] = (uint8_t)v;
                if (part < 3) {
                        if (*s != '.')
                                return -EINVAL;
                        s++;
                }
        }
        if (*s != '\0')
                return -EINVAL;
        memcpy(&out->s_addr, b, 4);
        return 0;
}

int vn_addr_parse_family(const char *s, int family, struct vn_addr *out)
{
        struct vn_addr a;

        if (!s || !*s)
                return -EINVAL;
        memset(&a, 0, sizeof(a));
        if (family == AF_INET) {
                if (parse_ipv4(s, &a.u.v4) < 0)
                        return -EINVAL;
        } else if (family == AF_INET6) {
                if (!strchr(s, ':') || strlen(s) >= VN_ADDR_STRLEN)
                        return -EINVAL;
                if (inet_pton(AF_INET6, s, &a.u.v6) != 1)
                        return -EINVAL;
        } else {
                return -EAFNOSUPPORT;
        }
        a.family = family;
        *out = a;
        return 0;
}

int vn_addr_parse(const char *s, struct vn_addr *out)
{
        if (!s)
                return -EINVAL;
        return vn_addr_parse_family(s, strchr(s, ':') ? AF_INET6 : AF_INET, out);
}

const char *vn_addr_format(const struct vn_addr *a, char buf[VN_ADDR_STRLEN])
{
        if (!a || !vn_addr_is_set(a) || !inet_ntop(a->family, a->u.bytes, buf, VN_ADDR_STRLEN))
                snprintf(buf, VN_ADDR_STRLEN, "(none)");
        return buf;
}

bool vn_addr_is_set(const struct vn_addr *a)
{
        return a && (a->family == AF_INET || a->family == AF_INET6);
}

bool vn_addr_equal(const struct vn_addr *a, const struct vn_addr *b)
{
        if (a->family != b->family)
                return false;
        return memcmp(a->u.bytes, b->u.bytes, addr_len(a->family)) == 0;
}

int vn_addr_cmp(const struct vn_addr *a, const struct vn_addr *b)
{
        int r;

        if (a->family != b->family)
                return a->family < b->family ? -1 : 1;
        r = memcmp(a->u.bytes, b->u.bytes, addr_len(a->family));
        return r < 0 ? -1 : r > 0 ? 1 : 0;
}

int vn_netmask_to_prefix(const struct vn_addr *mask)
{
        size_t n = addr_len(mask->family), i;
        unsigned prefix = 0;
        bool zeros = false;

        if (n == 0)
                return -EINVAL;
        for (i = 0; i < n; i++) {
                for (int bit = 7; bit >= 0; bit--) {
                        bool one = (mask->u.bytes[i] >> bit) & 1;

                        if (one && zeros)
                                return -EINVAL;
                        if (one)
                                prefix++;
                        else
                                zeros = true;
                }
        }
        return (int)prefix;
}

void vn_prefix_to_netmask(int family, unsigned prefix, struct vn_addr *out)
{
        size_t n = addr_len(family), i;

        memset(out, 0, sizeof(*out));
        out->family = family;
        if (prefix > n * 8)
                prefix = (unsigned)(n * 8);
        for (i = 0; i < n; i++) {
                if (prefix >= 8) {
                        out->u.bytes[i] = 0xff;
                        prefix -= 8;
                } else {
                        out->u.bytes[i] = (uint8_t)(0xff << (8 - prefix));
                        prefix = 0;
                }
        }
}

void vn_addr_network(const struct vn_addr *a, unsigned prefix, struct vn_addr *out)
{
        struct vn_addr mask, r = *a;
        size_t i;

        vn_prefix_to_netmask(a->family, prefix, &mask);
        for (i = 0; i < addr_len(a->family); i++)
                r.u.bytes[i] &= mask.u.bytes[i];
        *out = r;
}

void vn_addr_broadcast(const struct vn_addr *a, unsigned prefix, struct vn_addr *out)
{
        struct vn_addr mask, r = *a;
        size_t i;

        vn_prefix_to_netmask(a->family, prefix, &mask);
        for (i = 0; i < addr_len(a->family); i++)
                r.u.bytes[i] |= (uint8_t)~mask.u.bytes[i];
        *out = r;
}

bool vn_addr_in_subnet(const struct vn_addr *a, const struct vn_addr *net, unsigned prefix)
{
        struct vn_addr x, y;

        if (!vn_addr_is_set(a) || a->family != net->family)
                return false;
        vn_addr_network(a, prefix, &x);
        vn_addr_network(net, prefix, &y);
        return vn_addr_equal(&x, &y);
}

bool vn_subnet_overlap(const struct vn_addr *a, unsigned pa, const struct vn_addr *b, unsigned pb)
{
        if (!vn_addr_is_set(a) || a->family != b->family)
                return false;
        return vn_addr_in_subnet(a, b, pa < pb ? pa : pb);
}

uint64_t vn_addr_range_size(const struct vn_addr *start, const struct vn_addr *end)
{
        size_t n = addr_len(start->family), i;
        uint8_t diff[16];
        int borrow = 0;
        uint64_t v = 0;

        if (n == 0 || start->family != end->family || vn_addr_cmp(start, end) > 0)
                return 0;
        for (i = n; i-- > 0;) {
                int d = (int)end->u.bytes[i] - (int)start->u.bytes[i] - borrow;

                borrow = d < 0;
                diff[i] = (uint8_t)(d < 0 ? d + 256 : d);
        }
        for (i = 0; i < n; i++) {
                if (v > (UINT64_MAX >> 8))
                        return UINT64_MAX;
                v = (v << 8) | diff[i];
        }
        return v == UINT64_MAX ? UINT64_MAX : v + 1;
}

unsigned vn_addr_default_prefix(const struct vn_addr *a)
{
        if (a->family == AF_INET6)
                return 64;
        if (a->family == AF_INET) {
                uint8_t top = a->u.bytes[0];

                if ((top & 0x80) == 0)
                        return 8;
                if ((top & 0xc0) == 0x80)
                        return 16;
                if ((top & 0xe0) == 0xc0)
                        return 24;
        }
        return 0; /* class D/E: no natural prefix */
}

int vn_hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int vn_mac_parse(const char *s, uint8_t mac[6])
{
        uint8_t m[6];
        int i;

        if (!s)
                return -EINVAL;
        for (i = 0; i < 6; i++) {
                int h1 = vn_hexval(s[0]), h2;

                if (h1 < 0)
                        return -EINVAL;
                h2 = vn_hexval(s[1]);
                if (h2 >= 0) {
                        m[i] = (uint8_t)(h1 << 4 | h2);
                        s += 2;
                } else {
                        m[i] = (uint8_t)h1;
                        s += 1;
                }
                if (i < 5) {
                        if (*s != ':')
                                return -EINVAL;
                        s++;
                }
        }
        if (*s != '\0')
                return -EINVAL;
        memcpy(mac, m, 6);
        return 0;
}

const char *vn_mac_format(const uint8_t mac[6], char buf[VN_MAC_STRLEN])
{
        snprintf(buf, VN_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
                 mac[3], mac[4], mac[5]);
        return buf;
}
