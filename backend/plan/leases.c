/*
 * leases.c: the addresses guests hold, from the files the DHCP servers write —
 * dnsmasq's lease file (vnet's own networks) and libvirt's dnsmasq status file
 * (the hook). The one parser of a lease line lives here; reading the files is
 * the engine's job (facts.c), so everything here is pure.
 */
#include "config.h"

#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void macs_push(struct vn_mac_ip **out, size_t *n, const uint8_t mac[6],
                      const struct vn_addr *a, const char *source)
{
        struct vn_mac_ip *nv;

        /* the newest line of a lease file wins: drop an older entry for the same MAC/family */
        for (size_t i = 0; i < *n; i++)
                if (memcmp((*out)[i].mac, mac, 6) == 0 && (*out)[i].addr.family == a->family) {
                        (*out)[i].addr = *a;
                        return;
                }
        nv = realloc(*out, (*n + 1) * sizeof(*nv));
        if (!nv)
                return;
        *out = nv;
        memcpy(nv[*n].mac, mac, 6);
        nv[*n].addr = *a;
        nv[*n].source = source;
        (*n)++;
}

static void copy_field(char *dst, size_t n, const char *src)
{
        size_t len = strnlen(src, n - 1);

        memcpy(dst, src, len);
        dst[len] = '\0';
}

int vn_leases_parse(const char *text, struct vn_lease_info **out, size_t *n)
{
        _cleanup_free_ char *copy = vn_strdup(text ? text : "");
        struct vn_lease_info *l = NULL;
        size_t cnt = 0;
        char *save = NULL;

        *out = NULL;
        *n = 0;
        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char f[5][160] = {{0}};
                struct vn_lease_info *nl;
                int k = sscanf(line, "%159s %159s %159s %159s %159s", f[0], f[1], f[2], f[3], f[4]);

                /* "EXPIRY MAC IP HOSTNAME CLIENTID"; the "duid" line names the server */
                if (k < 3 || strcmp(f[0], "duid") == 0)
                        continue;
                nl = realloc(l, (cnt + 1) * sizeof(*l));
                if (!nl) {
                        free(l);
                        return -ENOMEM;
                }
                l = nl;
                memset(&l[cnt], 0, sizeof(*l));
                l[cnt].expiry = atoll(f[0]);
                if (strchr(f[2], ':') && !strchr(f[1], ':')) {
                        /* DHCPv6: expiry iaid ip hostname duid */
                        copy_field(l[cnt].ip, sizeof(l[cnt].ip), f[2]);
                        copy_field(l[cnt].client_id, sizeof(l[cnt].client_id), f[4]);
                } else {
                        copy_field(l[cnt].mac, sizeof(l[cnt].mac), f[1]);
                        copy_field(l[cnt].ip, sizeof(l[cnt].ip), f[2]);
                        if (strcmp(f[4], "*") != 0)
                                copy_field(l[cnt].client_id, sizeof(l[cnt].client_id), f[4]);
                }
                if (strcmp(f[3], "*") != 0)
                        copy_field(l[cnt].hostname, sizeof(l[cnt].hostname), f[3]);
                cnt++;
        }
        *out = l;
        *n = cnt;
        return 0;
}

void vn_macs_from_leases(const char *text, struct vn_mac_ip **out, size_t *n)
{
        _cleanup_free_ struct vn_lease_info *l = NULL;
        size_t cnt = 0;

        if (vn_leases_parse(text, &l, &cnt) < 0)
                return;
        for (size_t i = 0; i < cnt; i++) {
                uint8_t m[6];
                struct vn_addr a;

                /* DHCPv6 lines carry an IAID, not a MAC */
                if (!l[i].mac[0] || vn_mac_parse(l[i].mac, m) < 0 || vn_addr_parse(l[i].ip, &a) < 0)
                        continue;
                macs_push(out, n, m, &a, "lease");
        }
}

/* Extract "KEY": "VALUE" from one JSON object text (libvirt writes these flat objects). */
static bool json_field(const char *obj, const char *end, const char *key, char *val, size_t len)
{
        char pat[64];
        const char *p, *q;

        snprintf(pat, sizeof(pat), "\"%s\"", key);
        p = strstr(obj, pat);
        if (!p || p >= end)
                return false;
        p += strlen(pat);
        while (p < end && (isspace((unsigned char)*p) || *p == ':'))
                p++;
        if (p >= end || *p != '"')
                return false;
        q = memchr(p + 1, '"', (size_t)(end - p - 1));
        if (!q || (size_t)(q - p - 1) >= len)
                return false;
        memcpy(val, p + 1, (size_t)(q - p - 1));
        val[q - p - 1] = '\0';
        return true;
}

void vn_macs_from_libvirt_status(const char *text, struct vn_mac_ip **out, size_t *n)
{
        const char *p = text;

        while (p && (p = strchr(p, '{'))) {
                const char *end = strchr(p, '}');
                char mac[64], ip[64];
                uint8_t m[6];
                struct vn_addr a;

                if (!end)
                        break;
                if (json_field(p, end, "mac-address", mac, sizeof(mac)) &&
                    json_field(p, end, "ip-address", ip, sizeof(ip)) && vn_mac_parse(mac, m) == 0 &&
                    vn_addr_parse(ip, &a) == 0)
                        macs_push(out, n, m, &a, "lease");
                p = end + 1;
        }
}
