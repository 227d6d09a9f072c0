/*
 * net.h: the vnet model of a libvirt network definition.
 *
 * Plain C structs for everything libvirt's network XML can say, plus vnet's
 * own extensions (namespace urn:vnet:network:1 under <metadata>).
 * parse.c fills it, check.c validates it, format.c writes it back in
 * libvirt's canonical form; backend/plan*.c reads it.
 *
 * Conventions: strings are heap-allocated and NULL when absent.
 * Tri-state attributes (yes/no/absent) use enum vn_tristate so that the
 * formatter writes back exactly what was said. Arrays are (ptr, n) pairs.
 */
#ifndef VNET_NET_H
#define VNET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "util.h"

enum vn_tristate { VN_ABSENT = 0, VN_YES, VN_NO };

enum vn_fwd_mode {
        VN_FWD_NONE = 0, /* no <forward>: isolated */
        VN_FWD_NAT,
        VN_FWD_ROUTE,
        VN_FWD_OPEN,
        VN_FWD_BRIDGE,
        VN_FWD_PRIVATE,
        VN_FWD_VEPA,
        VN_FWD_PASSTHROUGH,
        VN_FWD_HOSTDEV,
        VN_FWD__MAX,
};
const char *vn_fwd_mode_name(enum vn_fwd_mode m); /* "nat", ...; "isolated" for NONE */
int vn_fwd_mode_from_name(const char *s);        /* -EINVAL when unknown */

struct vn_pci_addr {
        unsigned domain, bus, slot, function;
};

struct vn_forward_if {
        char *dev;
        unsigned connections; /* live only; not formatted for inactive */
};

struct vn_nat {
        bool present;           /* a <nat> element was given */
        enum vn_tristate ipv6;  /* <nat ipv6='yes'> */
        struct vn_addr addr_start, addr_end; /* <address start end> (unset = none) */
        unsigned port_start, port_end;       /* <port start end>, 0 = none */
};

struct vn_forward {
        bool present;           /* <forward> element given */
        bool mode_given;        /* mode attribute written (default nat) */
        enum vn_fwd_mode mode;
        char *dev;              /* dev attribute */
        enum vn_tristate managed;
        char *driver_name;      /* <driver name=> */
        char *driver_model;     /* <driver model=> */
        struct vn_forward_if *ifs;
        size_t n_ifs;
        char **pfs;             /* <pf dev=> (libvirt allows exactly one) */
        size_t n_pfs;
        struct vn_pci_addr *pcis;
        size_t n_pcis;
        struct vn_nat nat;
        int line;
};

enum vn_mac_table_mgr { VN_MTM_DEFAULT = 0, VN_MTM_KERNEL, VN_MTM_LIBVIRT };

struct vn_bridge {
        bool present;
        char *name;
        char *zone;
        enum vn_tristate stp;
        bool has_delay;
        unsigned long delay;
        enum vn_mac_table_mgr mac_table_manager;
        int line;
};

struct vn_domain {
        bool present;
        char *name;
        enum vn_tristate local_only;
        enum vn_tristate reg; /* register= */
        int line;
};

struct vn_dns_forwarder {
        char *addr;   /* kept as text; validated as an IP when set */
        char *domain;
        unsigned port; /* <forwarder port=>, 0 = default (added) */
};

struct vn_dns_txt {
        char *name;
        char *value;
        int line; /* source line, 0 = unknown */
};

struct vn_dns_srv {
        char *service, *protocol, *domain, *target;
        bool has_port, has_priority, has_weight;
        unsigned port, priority, weight;
        int line;
};

struct vn_dns_host {
        struct vn_addr ip;
        char **hostnames;
        size_t n_hostnames;
        int line;
};

struct vn_dns {
        bool present;
        enum vn_tristate enable;
        enum vn_tristate forward_plain_names;
        struct vn_dns_forwarder *forwarders;
        size_t n_forwarders;
        struct vn_dns_txt *txts;
        size_t n_txts;
        struct vn_dns_srv *srvs;
        size_t n_srvs;
        struct vn_dns_host *hosts;
        size_t n_hosts;
};

enum vn_lease_unit { VN_LEASE_UNIT_DEFAULT = 0, VN_LEASE_SECONDS, VN_LEASE_MINUTES, VN_LEASE_HOURS };

struct vn_lease {
        bool present;
        unsigned long expiry; /* 0 = infinite */
        enum vn_lease_unit unit;
};

struct vn_dhcp_range {
        struct vn_addr start, end;
        struct vn_lease lease;
        int line;
};

struct vn_dhcp_host {
        bool has_mac;
        uint8_t mac[6];
        char *id;   /* DHCPv6 DUID / client id */
        char *name;
        struct vn_addr ip;
        struct vn_lease lease;
        int line;
};

struct vn_ip {
        char *family;          /* as written: "ipv4", "ipv6" or NULL */
        int af;                /* effective AF_INET / AF_INET6 */
        struct vn_addr address;
        bool has_netmask;
        struct vn_addr netmask;
        bool has_prefix;
        unsigned prefix;       /* as written */
        enum vn_tristate local_ptr;
        char *tftp_root;
        bool has_dhcp;         /* a <dhcp> element */
        struct vn_dhcp_range *ranges;
        size_t n_ranges;
        struct vn_dhcp_host *hosts;
        size_t n_hosts;
        bool has_bootp;
        char *bootp_file;
        char *bootp_server;
        int line;
        struct vn_addr bootp_server_addr; /* parsed bootp_server, unset when absent */
};
/* Effective prefix: prefix, or from netmask, or classful default. */
unsigned vn_ip_prefix(const struct vn_ip *ip);

struct vn_route {
        char *family;
        int af;
        struct vn_addr address;
        bool has_netmask;
        struct vn_addr netmask;
        bool has_prefix;
        unsigned prefix;
        struct vn_addr gateway;
        bool has_metric;
        unsigned metric;
        int line;
};
unsigned vn_route_prefix(const struct vn_route *r);

enum vn_vlan_native { VN_VLAN_NATIVE_NONE = 0, VN_VLAN_NATIVE_TAGGED, VN_VLAN_NATIVE_UNTAGGED };

struct vn_vlan_tag {
        unsigned id;
        enum vn_vlan_native native_mode;
};

struct vn_vlan {
        bool present;
        enum vn_tristate trunk;
        struct vn_vlan_tag *tags;
        size_t n_tags;
};

struct vn_bw_rate {
        bool present;
        bool has_average, has_peak, has_burst, has_floor;
        unsigned long long average, peak, burst, floor;
};

struct vn_bandwidth {
        bool present;
        struct vn_bw_rate inbound, outbound;
};

struct vn_virtualport {
        bool present;
        char *type; /* 802.1Qbg, 802.1Qbh, openvswitch, midonet or NULL */
        bool has_params;
        char *managerid, *typeid, *typeidversion, *instanceid, *profileid, *interfaceid;
};

struct vn_portgroup {
        char *name;
        enum vn_tristate is_default;
        enum vn_tristate trust_guest_rx_filters;
        struct vn_virtualport virtualport;
        struct vn_bandwidth bandwidth;
        struct vn_vlan vlan;
        enum vn_tristate port_isolated; /* <port isolated=> inside the portgroup (vnet) */
        int line;
};

/* vnet extension: <vnet:forward proto port to toport mac address/> */
enum vn_proto { VN_PROTO_TCP = 0, VN_PROTO_UDP, VN_PROTO_SCTP };

struct vn_port_forward {
        enum vn_proto proto;
        unsigned port_start, port_end;       /* host side */
        unsigned toport_start, toport_end;   /* guest side (= port when not given) */
        bool has_toport;
        struct vn_addr to;                   /* unset when mac is used */
        bool has_mac;
        uint8_t mac[6];
        struct vn_addr address;              /* host address limit, unset = all */
        int line;                            /* source line, for error messages */
};

/* vnet extension: <vnet:overlay type='vxlan|evpn' vni local|local-dev port mtu gateway asn>
 * with <vnet:peer address/> (static head-end replication; under evpn: extra VTEPs the underlay
 * firewall accepts) and <vnet:bgp-peer address/> (evpn). One network across many hosts. */
enum vn_overlay_type { VN_OVERLAY_NONE = 0, VN_OVERLAY_VXLAN, VN_OVERLAY_EVPN };

#define VN_VXLAN_PORT     4789
#define VN_VXLAN_OVERHEAD 50 /* outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 */

struct vn_overlay {
        enum vn_overlay_type type; /* NONE: no <vnet:overlay> */
        unsigned vni;              /* 1..16777215 */
        struct vn_addr local;      /* this host's VTEP address, unset when local_dev is used */
        char *local_dev;           /* underlay device whose first IPv4 address is `local` */
        unsigned port;             /* UDP destination port, 0 = 4789 */
        unsigned mtu;              /* overlay MTU (bridge, vxlan, ports), 0 = underlay - 50 */
        struct vn_addr gateway;    /* VTEP address of the host holding <ip>, NAT and DHCP */
        unsigned asn;              /* evpn: iBGP autonomous system, 0 = absent */
        struct vn_addr *peers;     /* <vnet:peer address> */
        int *peer_lines;
        size_t n_peers;
        struct vn_addr *bgp_peers; /* <vnet:bgp-peer address> */
        int *bgp_peer_lines;
        size_t n_bgp_peers;
        unsigned n_elems; /* <vnet:overlay> elements seen (check: exactly one) */
        int line;
};
const char *vn_overlay_type_name(enum vn_overlay_type t);

const char *vn_proto_name(enum vn_proto p);  /* "tcp", "udp", "sctp" */
int vn_proto_from_name(const char *s);        /* -EINVAL when unknown */
/* "N" or "N-M" */
void vn_port_range_format(unsigned start, unsigned end, char *buf, size_t len);

struct vn_ext {
        bool present; /* a <vnet:network> element under <metadata> */
        struct vn_port_forward *forwards;
        size_t n_forwards;
        struct vn_overlay overlay;
};

struct vn_net {
        char *name;
        uint8_t uuid[16];
        bool has_uuid;        /* false only until define/parse fills one in */
        bool uuid_generated;  /* the document had no <uuid>; parse generated one */
        char *title;
        char *description;
        char *metadata_xml;    /* inner XML of <metadata>, verbatim, or NULL.
                                * Exactly the lines libvirt writes between
                                * <metadata> and </metadata>: each child element
                                * indented by 4 spaces, namespace declarations
                                * on the child, "\n"-terminated; "" for an
                                * element with no children. */
        enum vn_tristate ipv6; /* <network ipv6='yes'> */
        enum vn_tristate trust_guest_rx_filters;
        unsigned connections; /* live only */

        struct vn_forward forward;
        struct vn_bridge bridge;
        unsigned mtu;          /* 0 = unset */
        bool has_mac;
        uint8_t mac[6];
        struct vn_domain domain;
        struct vn_dns dns;
        struct vn_vlan vlan;
        struct vn_bandwidth bandwidth;
        enum vn_tristate port_isolated; /* <port isolated=> */
        struct vn_virtualport virtualport;
        struct vn_portgroup *portgroups;
        size_t n_portgroups;
        struct vn_ip *ips;
        size_t n_ips;
        struct vn_route *routes;
        size_t n_routes;
        char **dnsmasq_options; /* dnsmasq:options/option value= */
        size_t n_dnsmasq_options;

        struct vn_ext ext;     /* parsed from metadata_xml's vnet:network */

        char *source;          /* file name used in messages ("net.xml") */
        int line;     /* line of <network>, 0 = unknown */
};

void vn_net_free(struct vn_net *net);
static inline void vn_net_freep(struct vn_net **p)
{
        if (*p)
                vn_net_free(*p);
}
#define _cleanup_net_ _cleanup_(vn_net_freep)

/* ---- parse.c ---------------------------------------------------------- */

#define VN_XML_MAX_SIZE (1u << 20) /* refuse documents larger than 1 MiB */

/* Parse a network definition. `source` names the document in errors.
 * Errors read "SOURCE:LINE: <element attr=...>: what is wrong (what is allowed)".
 * Structural checks libvirt's parser makes (unknown forward mode, bad
 * address syntax, duplicate forward devices, extra data in disabled DNS,
 * forward dev on an open network) fail here; a missing UUID is generated. */
int vn_net_parse_buffer(const char *buf, size_t len, const char *source, struct vn_net **out,
                        struct vn_error *err);
int vn_net_parse_file(const char *path, struct vn_net **out, struct vn_error *err);

/* ---- format.c --------------------------------------------------------- */

enum { VN_FORMAT_INACTIVE = 1 << 0 };
/* Canonical XML as libvirt's virNetworkDefFormat writes it. NULL on ENOMEM. */
char *vn_net_format(const struct vn_net *net, unsigned flags);
void vn_uuid_format(const uint8_t uuid[16], char buf[37]);
int vn_uuid_parse(const char *s, uint8_t uuid[16]);
void vn_uuid_generate(uint8_t uuid[16]);

/* ---- ext.c ------------------------------------------------------------ */

/* Replace the port forwards of net (copied) and regenerate the <vnet:network> element in
 * net->metadata_xml to match, creating it (and the metadata) when absent. Other metadata and
 * foreign children of <vnet:network> are kept. The model is unchanged on failure. */
int vn_net_ext_set_forwards(struct vn_net *net, const struct vn_port_forward *fwds, size_t n,
                            struct vn_error *err);

/* ---- check.c ---------------------------------------------------------- */

/* Semantic rules libvirt enforces when a network is defined or started
 * (addresses inside subnets, DHCP ranges, per-mode allowed elements,
 * lengths, names safe as file names...). */
int vn_net_check(const struct vn_net *net, struct vn_error *err);
/* Rules against other defined networks: overlapping subnets, same bridge
 * name. `others` excludes net itself (same name or UUID is skipped). */
int vn_net_check_against(const struct vn_net *net, struct vn_net *const *others, size_t n_others,
                         struct vn_error *err);
/* Only the checks of vnet's extensions (port forwards): for networks libvirt validated. */
int vn_net_check_ext(const struct vn_net *net, struct vn_error *err);
/* Is s usable as a network name (also a file name)? */
bool vn_net_name_valid(const char *s);
/* The one rule for every interface name vnet writes anywhere (XML, hook input, port-add
 * --ifname, names read back from state): 1-15 bytes from [A-Za-z0-9_.-], not starting with
 * '.' or '-'. VN_IFNAME_RULE says it in words for error messages. */
bool vn_ifname_valid(const char *s);
#define VN_IFNAME_RULE                                                                             \
        "allowed: 1-15 characters from A-Z a-z 0-9 _ . -, not starting with '.' or '-'"

/* Helpers for the planner. */
bool vn_net_has_bridge_l3(const struct vn_net *net); /* nat/route/open/isolated */
const struct vn_ip *vn_net_first_ip(const struct vn_net *net, int af);

/* ---- schema.c --------------------------------------------------------- */

/* Validate an XML document against libvirt's network.rng found in
 * schema_dir. -ENOENT when the schema is not there. */
int vn_schema_validate_file(const char *schema_dir, const char *path, struct vn_error *err);
/* First existing dir among: $VNET_SCHEMA_DIR, /usr/share/libvirt/schemas,
 * the configure-time conformance dir. NULL when none. */
const char *vn_schema_find_dir(void);

/* forward-spec.c */
/* A forward as a front end gives it: strings, parsed and checked by the library. NULL = not
 * given. port is "N" or "N-M"; toport defaults to port. */
struct vn_forward_spec {
        const char *proto; /* tcp (default), udp, sctp */
        const char *port;
        const char *to;
        const char *mac;
        const char *toport;
        const char *address;
};
int vn_forward_spec_parse(const struct vn_forward_spec *s, struct vn_port_forward *out,
                          struct vn_error *err);

#endif
