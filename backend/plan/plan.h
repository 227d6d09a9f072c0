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

/* A guest address learnt at run time (DHCP lease, libvirt port): resolves port forwards that
 * name a guest by MAC and have no static <host> entry. */
struct vn_mac_ip {
        uint8_t mac[6];
        struct vn_addr addr;
        const char *source; /* "lease", "port": shown by forward-list */
};

/* Inputs the planner cannot invent because they are host state. */
struct vn_plan_opts {
        const char *run_dir;        /* ROOT/run/vnet/NAME: dnsmasq files go here */
        enum vn_fw_backend fw;      /* resolved backend: NFT or IPT (NONE: no rules) */
        const char *dnsmasq_path;   /* for the printed command line */
        const char *dnsmasq_user;   /* user= / group= dnsmasq drops to (NULL: not written) */
        const char *dnsmasq_group;
        const struct vn_mac_ip *macs; /* for <vnet:forward mac=...> (may be NULL) */
        size_t n_macs;
        /* overlay: this host's VTEP address when the definition names a device (local-dev),
         * and the underlay MTU; NULL/0 when not resolved (then 1500 is assumed) */
        const struct vn_addr *overlay_local;
        unsigned overlay_underlay_mtu;
};

/* A network across hosts (plan-overlay.c): the vxlan link, its flood list, the underlay
 * firewall part (inside fw_apply/fw_remove) and, for evpn, this host's BGP configuration. */
struct vn_plan_overlay {
        enum vn_overlay_type type;
        char link[16];          /* "vxlan<VNI>" */
        unsigned vni, port;
        unsigned mtu;           /* bridge, vxlan link and ports */
        unsigned underlay_mtu;  /* measured (opts) or assumed 1500 */
        bool underlay_measured;
        struct vn_addr local;   /* unset: local-dev not resolved (plan only) */
        char local_dev[16];     /* "" when local was given */
        bool gateway;           /* this host holds <ip>, NAT and dnsmasq */
        struct vn_addr gw;      /* the gateway host's VTEP address (unset: no <ip>) */
        bool learning;          /* vxlan learns remote MACs from the data plane (static) */
        struct vn_addr *fdb;    /* all-zeros FDB entries: static head-end replication */
        size_t n_fdb;
        struct vn_addr *vteps;  /* sources the underlay firewall accepts */
        size_t n_vteps;
        char fw_set[64], fw_chain[64]; /* nft set of VTEPs and the per-network chain */
        unsigned asn;           /* evpn */
        struct vn_addr *bgp_peers;
        size_t n_bgp_peers;
};

/* One direction of traffic shaping on one device (plan-tc.c): an htb on the egress of dev;
 * with `from` set, dev is an ifb that device's ingress is redirected to (u32 + mirred). */
struct vn_plan_shape {
        const char *what; /* "inbound" or "outbound" */
        char dev[16];
        char from[16];
        bool hierarchical;   /* libvirt's network inbound: 1:1 the limit, 1:2 the default class */
        uint64_t rate, ceil; /* bytes per second */
        uint32_t burst;      /* bytes; 0: htb's minimum for the rate */
};

/* What a guest port gets from its network: the network's own settings, or a portgroup's
 * (port-add --portgroup, default: the portgroup with default='yes'). */
struct vn_plan_portclass {
        char *name;      /* portgroup, NULL: no portgroup */
        bool is_default; /* ports without --portgroup get this class */
        bool isolated;   /* bridge port flag "isolated": no frames to other isolated ports */
        struct vn_bandwidth bw; /* the portgroup's <bandwidth> (present false: none) */
};

struct vn_plan {
        char *name;
        struct vn_plan_overlay *overlay; /* NULL: a single-host network */
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

        /* DHCP checksum fill (plan-ipt.c): iptables-restore --noflush input for the mangle
         * table, and its removal (one "TABLE<TAB>ARG..." command per line); NULL: none */
        char *csum_apply;
        char *csum_remove;

        /* Docker-style FORWARD DROP coexistence: iptables argv lines (tab-separated words),
         * each tagged with comment "vnet:NAME". Planned always; applied only on a host whose
         * iptables FORWARD policy is DROP. */
        char **compat_add;
        char **compat_del;
        size_t n_compat;

        /* network-wide <bandwidth> on the bridge (plan-tc.c) */
        struct vn_plan_shape shapes[2];
        size_t n_shapes;

        /* guest ports: [0] the network's own settings, then one per <portgroup> (bridge
         * networks only; none on macvtap networks) */
        struct vn_plan_portclass *portclasses;
        size_t n_portclasses;

        /* dnsmasq */
        bool dnsmasq;
        char *dnsmasq_conf;
        char *dnsmasq_conf_path;
        char *dnsmasq_pid_path;
        char *dnsmasq_hosts;       /* static DHCP hosts, dhcp-hostsfile syntax (in the conf) */
        char *dnsmasq_addnhosts;   /* DNS names, hosts-file syntax (in the conf) */
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

/* The class of a new port: the portgroup `name`, or with name NULL the default portgroup (or
 * the network's own settings when none is default). -ENOENT (err filled) for an unknown
 * portgroup, -EINVAL when the network has no bridge ports. */
int vn_plan_port_class(const struct vn_plan *p, const char *name,
                       const struct vn_plan_portclass **out, struct vn_error *err);

/* Deterministic 52:54:00:xx:xx:xx from the network's UUID (used when <mac> is absent). */
void vn_plan_default_mac(const struct vn_net *net, uint8_t mac[6]);

/* nft identifier for a bridge-derived object: "vn_<bridge>_<suffix>" with unsafe chars hex-escaped */
void vn_nft_ident(const char *bridge, const char *suffix, char *out, size_t len);

/* plan-nft.c */
int vn_plan_nft(const struct vn_net *net, const struct vn_plan_opts *opts, struct vn_plan *p,
                struct vn_error *err);
int vn_plan_ipt(const struct vn_net *net, struct vn_plan *p, struct vn_error *err);
/* The DHCP checksum fill of a bridge network with IPv4 DHCP (nothing otherwise). */
int vn_plan_dhcp_checksum(const struct vn_net *net, struct vn_plan *p, struct vn_error *err);
/* The base objects (table, maps, base chains) shared by all networks, as idempotent nft text */
void vn_nft_base(struct vn_buf *b);
/* The same plus the shared maps and sets; with_rules also re-states the base chains' rules
 * (flush + add: what a transaction that may create the table needs). */
void vn_nft_base_all(struct vn_buf *b, bool with_rules);
#define VN_NFT_TABLE "vnet"

/* plan-overlay.c */
/* Plan the overlay (nothing when the network has none). Fills p->overlay and *view: the model
 * as this host runs it — the overlay MTU, and on a member host (not the gateway) no <ip>,
 * routes or DHCP. The caller plans the bridge from *view (a shallow copy of net). */
int vn_plan_overlay(const struct vn_net *net, const struct vn_plan_opts *opts, struct vn_plan *p,
                    struct vn_net *view, struct vn_error *err);
/* After the bridge's firewall and dnsmasq are planned: append the underlay firewall to the
 * network's nft transaction (the overlay MTU reaches dnsmasq.conf through the view). */
int vn_plan_overlay_finish(struct vn_plan *p, struct vn_error *err);
void vn_plan_overlay_free(struct vn_plan_overlay *o);
/* The "# overlay" section of vn_plan_format. */
void vn_plan_overlay_format(const struct vn_plan *p, struct vn_buf *b);
/* nft statements adding (add) or removing one VTEP of a running network's firewall set. */
char *vn_plan_overlay_nft_vtep(const struct vn_plan_overlay *o, const struct vn_addr *vtep,
                               bool add);
/* vtysh configuration lines (one command per line) that make this host's FRR announce the
 * overlay: iBGP sessions to the bgp-peers, l2vpn evpn, advertise-all-vni. */
char *vn_plan_overlay_frr(const struct vn_plan_overlay *o);

/* plan-forward.c: port forwards (DNAT, hairpin), see the file header */
struct vn_fwd_item {
        const struct vn_port_forward *f; /* into the model */
        char chain[128];                 /* the forward's own chain */
        bool resolved;                   /* target known: add/del are set */
        struct vn_addr target;
        const char *source; /* where target came from: "to", "host", "lease", "port" */
        char *add;          /* nft text (marked block), NULL when unresolved */
        char *del;          /* idempotent removal (marked block) */
        char *note;         /* why it is skipped, when unresolved */
        uint32_t sig;       /* of add: tells a changed forward from an unchanged one */
        unsigned rules;
};
/* Render every forward of net for the bridge. Pure. */
int vn_plan_forwards(const struct vn_net *net, const char *bridge, const struct vn_mac_ip *macs,
                     size_t n_macs, struct vn_fwd_item **out, size_t *n, struct vn_error *err);
void vn_fwd_items_free(struct vn_fwd_item *items, size_t n);
/* Shared objects of the forward machinery (maps pf_any/pf4/pf6, sets hairpin4/6, chains
 * prerouting/output) and the base rules that dispatch through them. */
void vn_nft_fwd_base_decls(struct vn_buf *b);
void vn_nft_fwd_base_rules(struct vn_buf *b);
/* Hairpin masquerade for guests of net reaching a forward through the host's address. */
void vn_nft_hairpin(struct vn_buf *b, const struct vn_net *net, const char *bridge, bool add);
#define VN_FWD_MARK     "# vnet-forward "
#define VN_FWD_MARK_END "# vnet-forward-end"

/* The applied forward blocks found in a removal file: chain name and signature. */
struct vn_fwd_applied {
        char chain[128];
        uint32_t sig;
        char *del; /* the block's removal text */
};
/**
 * vn_fwd_applied_parse: the forward blocks (VN_FWD_MARK ... VN_FWD_MARK_END) of a removal
 * file's text. Returns 0, or -ENOMEM.
 */
int vn_fwd_applied_parse(const char *remove_text, struct vn_fwd_applied **out, size_t *n);
void vn_fwd_applied_free(struct vn_fwd_applied *a, size_t n);
/**
 * vn_fwd_diff: the transaction that turns `applied` into `want`: removal of applied blocks no
 * longer wanted, (re-)adds of wanted blocks that are new or changed; base is prepended
 * (declarations) when there is something to do. Returns 1 with *out set, 0 when there is
 * nothing to do (*out NULL), -ENOMEM.
 */
int vn_fwd_diff(const char *base, const struct vn_fwd_applied *applied, size_t n_applied,
                const struct vn_fwd_item *want, size_t n_want, char **out);

/* leases.c: what the DHCP servers wrote down (pure; the engine reads the files) */
struct vn_lease_info {
        long long expiry; /* unix time, 0 = infinite */
        char mac[64];     /* as dnsmasq wrote it (hardware addresses may be longer than a MAC) */
        char ip[VN_ADDR_STRLEN + 4];
        char hostname[64];
        char client_id[128];
};
/**
 * vn_leases_parse: every lease of a dnsmasq lease file's text (IPv4 "EXPIRY MAC IP HOSTNAME
 * CLIENTID" and DHCPv6 "EXPIRY IAID IP HOSTNAME DUID" lines; the server's "duid" line and
 * short lines are skipped). Returns 0, or -ENOMEM.
 */
int vn_leases_parse(const char *text, struct vn_lease_info **out, size_t *n);
/**
 * vn_macs_from_leases: the MAC -> address pairs of a dnsmasq lease file's text, appended to
 * (*out, *n); the newest line for a MAC and family wins. Returns nothing: what does not parse
 * is not known.
 */
void vn_macs_from_leases(const char *text, struct vn_mac_ip **out, size_t *n);
/**
 * vn_macs_from_libvirt_status: the same from libvirt's dnsmasq status file (a JSON array of
 * {"ip-address", "mac-address"} objects). Returns nothing.
 */
void vn_macs_from_libvirt_status(const char *text, struct vn_mac_ip **out, size_t *n);

/* plan-tc.c */
/* The shaping <bandwidth> asks for on device dev (a bridge: network=true, hierarchical inbound
 * as libvirt; or a guest port): inbound on dev's egress, outbound on an ifb fed from dev's
 * ingress. Fills out[0..*n-1]. -ERANGE (err filled) for a rate htb cannot hold. Pure. */
int vn_plan_shapes(const struct vn_bandwidth *bw, const char *dev, bool network,
                   struct vn_plan_shape out[2], size_t *n, struct vn_error *err);
/* The ifb that carries dev's ingress: "ifb-DEV", or "ifb-" and a hash for long names. */
void vn_plan_ifb_name(const char *dev, char out[16]);
/* "tc"-like lines for one shape (vnet plan). */
void vn_plan_shape_format(const struct vn_plan_shape *s, struct vn_buf *b);

/* plan-dnsmasq.c */
int vn_plan_dnsmasq(const struct vn_net *net, struct vn_plan *p, const struct vn_plan_opts *opts,
                    struct vn_error *err);

#endif
