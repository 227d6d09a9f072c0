/*
 * plan.h: everything a running network consists of, computed from a valid
 * model by a pure function (no kernel, no filesystem), so that
 * `vnet plan` can print it and golden files can pin it down.
 */
#ifndef VNET_PLAN_H
#define VNET_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "net.h"

enum vn_fw_backend { VN_FW_AUTO = 0, VN_FW_NFT, VN_FW_IPT, VN_FW_NONE };
const char *vn_fw_backend_name(enum vn_fw_backend b);
int vn_fw_backend_from_name(const char *s);

/* What each forward mode needs: modes as data, not if-chains. */
struct vn_mode_info {
        enum vn_fwd_mode mode;
        bool creates_bridge;  /* vnet creates and owns the bridge */
        bool uses_host_bridge; /* <bridge name> must already exist */
        bool uses_macvtap;    /* ports are macvtaps on <interface dev> pools */
        bool l3;              /* addresses, dnsmasq */
        bool forwarding;      /* needs ip_forward */
        bool nat;             /* masquerade */
        bool firewall;        /* has filter rules at all */
};
const struct vn_mode_info *vn_mode_info(enum vn_fwd_mode m);

struct vn_plan_addr {
        struct vn_addr addr;
        unsigned prefix;
};

struct vn_plan_route {
        struct vn_addr dst;
        unsigned prefix;
        struct vn_addr gw;
        unsigned metric;
};

struct vn_plan_sysctl {
        char key[96];
        char value[16];
};

/* Inputs the planner cannot invent because they are host state. */
struct vn_plan_opts {
        const char *run_dir;        /* ROOT/run/vnet/NAME: dnsmasq files go here */
        enum vn_fw_backend fw;      /* resolved backend: NFT or IPT (NONE: no rules) */
        const char *dnsmasq_path;   /* for the printed command line */
};

struct vn_plan {
        char *name;
        enum vn_fwd_mode mode;
        const struct vn_mode_info *mi;

        /* bridge */
        char bridge[16];
        bool create_bridge;
        uint8_t mac[6];
        unsigned mtu;
        bool stp;
        bool stp_overridden; /* XML said stp on, with delay 0: see plan.c */
        unsigned delay_cs;
        bool no_learning;

        bool host_bridge; /* guests join an existing host bridge */
        bool macvtap;     /* guests get macvtaps on the check_devs pool */

        /* host devices that must exist (host bridge, macvtap pool) */
        char **check_devs;
        size_t n_check_devs;

        struct vn_plan_addr *addrs;
        size_t n_addrs;
        struct vn_plan_route *routes;
        size_t n_routes;
        struct vn_plan_sysctl *sysctls;
        size_t n_sysctls;

        enum vn_fw_backend fw;
        char *fw_apply;   /* one transaction: nft batch or iptables-restore input */
        char *fw_remove;  /* idempotent: removes exactly what fw_apply added */
        char *fw6_apply;  /* iptables backend only: ip6tables-restore input */
        char *fw6_remove;
        unsigned fw_rules; /* rules this network adds */

        /* Docker-style FORWARD DROP coexistence: iptables argv lines (tab-separated words),
         * each tagged with comment "vnet:NAME". Planned always; applied only on a host whose
         * iptables FORWARD policy is DROP. */
        char **compat_add;
        char **compat_del;
        size_t n_compat;

        /* dnsmasq */
        bool dnsmasq;
        char *dnsmasq_conf;
        char *dnsmasq_conf_path;
        char *dnsmasq_pid_path;
        char *dnsmasq_hosts;       /* dhcp-hostsfile contents */
        char *dnsmasq_hosts_path;
        char *dnsmasq_addnhosts;   /* addn-hosts contents (DNS <host>) */
        char *dnsmasq_addnhosts_path;
        char *dnsmasq_leases_path;
};

void vn_plan_free(struct vn_plan *p);
static inline void vn_plan_freep(struct vn_plan **p)
{
        if (*p)
                vn_plan_free(*p);
}
#define _cleanup_plan_ _cleanup_(vn_plan_freep)

/* Build the plan. The model must have passed vn_net_check() and carry a bridge name where the
 * mode needs one (define fills it in). Pure. */
int vn_plan_build(const struct vn_net *net, const struct vn_plan_opts *opts, struct vn_plan **out,
                  struct vn_error *err);
/* Human/diff-friendly rendering for `vnet plan` (stable order). */
char *vn_plan_format(const struct vn_plan *p);
/* JSON rendering. */
char *vn_plan_format_json(const struct vn_plan *p);

/* Deterministic 52:54:00:xx:xx:xx from the network's UUID (used when <mac> is absent). */
void vn_plan_default_mac(const struct vn_net *net, uint8_t mac[6]);

/* plan-nft.c */
/* nft identifier for a bridge-derived object: "vn_<bridge>_<suffix>" with unsafe chars hex-escaped */
void vn_nft_ident(const char *bridge, const char *suffix, char *out, size_t len);
int vn_plan_nft(const struct vn_net *net, struct vn_plan *p, struct vn_error *err);
int vn_plan_ipt(const struct vn_net *net, struct vn_plan *p, struct vn_error *err);
/* The base objects (table, maps, base chains) shared by all networks, as idempotent nft text */
void vn_nft_base(struct vn_buf *b);
#define VN_NFT_TABLE "vnet"

/* plan-dnsmasq.c */
int vn_plan_dnsmasq(const struct vn_net *net, struct vn_plan *p, const struct vn_plan_opts *opts,
                    struct vn_error *err);

#endif
