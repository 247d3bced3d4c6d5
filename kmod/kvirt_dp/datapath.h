/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the objects of kvirt_dp.ko and the seams between its files. A
 * datapath owns numbered vports; a packet entering a vport becomes a flow
 * key (flow.c), is looked up in the flow table (flow_table.c) and, on a
 * miss, is sent to userspace (upcall.c), all on the packet path of
 * packet.c. The control plane (datapath.c) speaks the genetlink ABI of
 * linux/openvswitch.h, so that ovs-vswitchd can drive this datapath.
 *
 * Locking: every change (datapaths, vports, features, pids) happens under
 * kvirt_dp_lock(); the RTNL nests inside it. The packet path and the GET
 * commands only read, under RCU: lists are RCU lists, pointers are
 * published with rcu_assign_pointer(), and objects are freed after a grace
 * period (vports and datapaths through call_rcu(), devices through
 * unregister_netdevice()).
 *
 * Flows are megaflows (flow_table.c) that flow_netlink.c parses from
 * keys, masks and actions (action_netlink.c checks the actions against
 * the masked key); actions.c runs them: outputs through the send
 * operation of the vport ops, userspace actions as OVS_PACKET_CMD_ACTION
 * upcalls, header rewrites, VLAN tags, and recirculation back into
 * packet.c with a new key. OVS_PACKET_CMD_EXECUTE (execute.c) runs them
 * too.
 */
#ifndef KVIRT_DP_DATAPATH_H
#define KVIRT_DP_DATAPATH_H

#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/openvswitch.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/ip_tunnels.h>

/* Port numbers are below this (OVS's DP_MAX_PORTS); 0 is OVSP_LOCAL. */
#define KVIRT_DP_MAX_PORTS	USHRT_MAX
#define KVIRT_DP_PORT_BUCKETS	256

/* OVS's default and largest mask cache (entries of two u32 per CPU). */
#define KVIRT_DP_MASKS_CACHE_DEFAULT	256
#define KVIRT_DP_MASKS_CACHE_MAX	(PCPU_MIN_UNIT_SIZE / (2 * sizeof(u32)))

/* The datapath features kvirt_dp implements (OVS_DP_ATTR_USER_FEATURES). */
#define KVIRT_DP_FEATURES	(OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS | \
				 OVS_DP_F_DISPATCH_UPCALL_PER_CPU)

/*
 * OVS_PACKET_ATTR_HASH is a u64: the skb hash in the low 32 bits and, above
 * them, whether it was computed in software and over the L4 ports. The
 * uapi header leaves these bits to the datapath; these are OVS's values,
 * which userspace hands back unchanged with OVS_PACKET_CMD_EXECUTE.
 */
#define KVIRT_DP_HASH_SW_BIT	BIT_ULL(32)
#define KVIRT_DP_HASH_L4_BIT	BIT_ULL(33)

/**
 * struct kvirt_dp_vlan - one 802.1Q/802.1ad tag as a key holds it
 * @tpid: the tag protocol (ETH_P_8021Q or ETH_P_8021AD)
 * @tci: the tag control information with VLAN_CFI_MASK set, so that a
 *	present tag never reads as zero (OVS's encoding)
 */
struct kvirt_dp_vlan {
	__be16 tpid;
	__be16 tci;
};

/**
 * struct kvirt_dp_key - a packet as the flow table sees it
 *
 * Extracted by kvirt_dp_key_extract() and emitted as nested OVS_KEY_ATTR_*
 * by kvirt_dp_key_to_nlattrs(). Always built from a zeroed struct, so the
 * flow table may compare and mask keys as bytes; fields a packet does not
 * have stay zero. Network-order fields are __be; ICMP type and code sit in
 * @tp_src and @tp_dst as big-endian 16-bit values, as OVS keeps them.
 *
 * @tun_opts: tunnel options (Geneve TLVs, the VXLAN GBP metadata),
 *	right-aligned: the last @tun_opts_len bytes, so that a mask that
 *	ignores them leaves them out of its range (OVS's layout)
 * @tun_opts_len: bytes of @tun_opts in use
 * @tun: the tunnel the packet came out of (skb_tunnel_info()), or the
 *	tunnel part of a key from userspace; zero if none
 * @tun_proto: AF_INET or AF_INET6 for the tunnel's addresses; 0: no tunnel
 * @recirc_id: recirculation id; 0 for packets from a port
 * @dp_hash: datapath hash; 0 until a hash action computes it
 * @priority: skb->priority
 * @mark: skb->mark
 * @in_port: the vport the packet came in on
 * @eth_src: Ethernet source
 * @eth_dst: Ethernet destination
 * @vlan: the outer VLAN tag, zero if none
 * @cvlan: the inner VLAN tag, zero if none
 * @eth_type: the Ethernet type after the tags (ETH_P_802_2 for LLC
 *	frames, a VLAN type when a third tag follows)
 * @ip_proto: IP protocol; for ARP the opcode if it fits in 8 bits
 * @ip_tos: IPv4 TOS or IPv6 traffic class
 * @ip_ttl: IPv4 TTL or IPv6 hop limit
 * @ip_frag: OVS_FRAG_TYPE_*
 * @ipv4: IPv4 addresses; for ARP the protocol and hardware addresses
 * @ipv6: IPv6 addresses, flow label, OFPIEH12_* extension header bits and
 *	the neighbour discovery target and link-layer addresses
 * @tp_src: TCP/UDP/SCTP source port, or ICMP(v6) type
 * @tp_dst: TCP/UDP/SCTP destination port, or ICMP(v6) code
 * @tcp_flags: the 12 flag bits of the TCP header
 */
struct kvirt_dp_key {
	u8 tun_opts[IP_TUNNEL_OPTS_MAX];
	u8 tun_opts_len;
	struct ip_tunnel_key tun;
	u8 tun_proto;
	u32 recirc_id;
	u32 dp_hash;
	u32 priority;
	u32 mark;
	u16 in_port;
	u8 eth_src[ETH_ALEN];
	u8 eth_dst[ETH_ALEN];
	struct kvirt_dp_vlan vlan;
	struct kvirt_dp_vlan cvlan;
	__be16 eth_type;
	u8 ip_proto;
	u8 ip_tos;
	u8 ip_ttl;
	u8 ip_frag;
	union {
		struct {
			__be32 src;
			__be32 dst;
			u8 arp_sha[ETH_ALEN];
			u8 arp_tha[ETH_ALEN];
		} ipv4;
		struct {
			struct in6_addr src;
			struct in6_addr dst;
			__be32 label;
			u16 exthdrs;
			struct in6_addr nd_target;
			u8 nd_sll[ETH_ALEN];
			u8 nd_tll[ETH_ALEN];
		} ipv6;
	};
	__be16 tp_src;
	__be16 tp_dst;
	__be16 tcp_flags;
} __aligned(sizeof(long));

/**
 * struct kvirt_dp_stats - per-CPU packet counters of a datapath
 * @n_hit: packets that matched a flow
 * @n_missed: packets that matched none and went (or were meant to go) to
 *	userspace
 * @n_lost: missed packets that could not be queued to userspace
 * @n_mask_hit: masks tried by lookups
 * @n_cache_hit: lookups answered by the mask cache
 * @syncp: 64-bit counter consistency on 32-bit hosts
 */
struct kvirt_dp_stats {
	u64 n_hit;
	u64 n_missed;
	u64 n_lost;
	u64 n_mask_hit;
	u64 n_cache_hit;
	struct u64_stats_sync syncp;
};

/**
 * struct kvirt_dp_pids - netlink port ids that receive upcalls
 * @rcu: frees a replaced array after readers are done
 * @n: number of @pids, at least one
 * @pids: the port ids: per vport, spread by packet hash; per datapath
 *	(OVS_DP_F_DISPATCH_UPCALL_PER_CPU), indexed by CPU
 */
struct kvirt_dp_pids {
	struct rcu_head rcu;
	u32 n;
	u32 pids[];
};

/* Flows per datapath (OVS's kernel has none; vswitchd's default is 200000). */
#define KVIRT_DP_FLOW_LIMIT	200000
#define KVIRT_DP_UFID_MAX	16

/**
 * struct kvirt_dp_flow_stats - one CPU's counters of a flow
 * @packets: packets that matched
 * @bytes: their bytes
 * @used: jiffies of the last match, 0 if never
 * @tcp_flags: TCP flags seen, ORed
 * @syncp: 64-bit counter consistency on 32-bit hosts
 */
struct kvirt_dp_flow_stats {
	u64 packets;
	u64 bytes;
	unsigned long used;
	__be16 tcp_flags;
	struct u64_stats_sync syncp;
};

/**
 * struct kvirt_dp_actions - a flow's validated OVS_FLOW_ATTR_ACTIONS
 * @rcu: frees replaced actions after readers are done
 * @len: bytes of @data, a run of OVS_ACTION_ATTR_* (0: drop)
 * @data: the attributes as userspace gave them
 */
struct kvirt_dp_actions {
	struct rcu_head rcu;
	u32 len;
	u8 data[];
};

/**
 * struct kvirt_dp_flow_hash - one instance of a growing hash of flows
 * @rcu: frees a replaced instance after readers are done
 * @n_buckets: a power of two
 * @ver: which of each flow's two nodes (&kvirt_dp_flow.node or .ufid_node)
 *	links it here; growing links the other one into a new instance, so
 *	readers of the old one never see its chains change
 * @buckets: the chains (RCU)
 */
struct kvirt_dp_flow_hash {
	struct rcu_head rcu;
	u32 n_buckets;
	u8 ver;
	struct hlist_head buckets[];
};

/**
 * struct kvirt_dp_mask_stats - one CPU's counter of a mask
 * @hits: packets that matched one of its flows
 * @syncp: 64-bit counter consistency on 32-bit hosts
 */
struct kvirt_dp_mask_stats {
	u64_stats_t hits;
	struct u64_stats_sync syncp;
};

/**
 * struct kvirt_dp_mask - a megaflow mask and the flows that use it
 * @rcu: frees the mask after readers are done
 * @refs: flows using it (under kvirt_dp_lock())
 * @start: first byte of the key the mask covers (long-aligned)
 * @end: past its last byte (long-aligned)
 * @flows: its flows, hashed by masked key (RCU)
 * @rehashed: RCU state cookie of the last growth of @flows
 * @last_hits: the hits at the last rebalance of the mask array
 * @stats: per-CPU hits
 * @key: the mask itself, a key of bit masks
 */
struct kvirt_dp_mask {
	struct rcu_head rcu;
	unsigned int refs;
	unsigned int start;
	unsigned int end;
	struct kvirt_dp_flow_hash __rcu *flows;
	unsigned long rehashed;
	u64 last_hits;
	struct kvirt_dp_mask_stats __percpu *stats;
	struct kvirt_dp_key key;
};

/**
 * struct kvirt_dp_mask_array - the masks in the order lookups try them
 * @rcu: frees a replaced array after readers are done
 * @count: slots in use; a removed mask leaves a NULL hole until the next
 *	rebalance compacts the array, so that lookups never miss a mask
 * @max: slots allocated
 * @masks: the masks (RCU)
 */
struct kvirt_dp_mask_array {
	struct rcu_head rcu;
	u32 count;
	u32 max;
	struct kvirt_dp_mask __rcu *masks[];
};

/**
 * struct kvirt_dp_mask_cache - per-CPU memory of which mask a packet hit
 * @rcu: frees a replaced cache after readers are done
 * @size: entries per CPU: 0 (no cache) or a power of two
 * @entries: per CPU, @size pairs of skb hash and mask array index
 */
struct kvirt_dp_mask_cache {
	struct rcu_head rcu;
	u32 size;
	struct kvirt_dp_mask_cache_entry __percpu *entries;
};

/**
 * struct kvirt_dp_flow - a megaflow
 * @node: in its mask's hash, one node per instance version (RCU)
 * @ufid_node: in the table's UFID hash if it has a UFID, likewise
 * @list: in the table's list of all flows (under kvirt_dp_lock())
 * @rcu: frees the flow after readers are done
 * @mask: its mask
 * @hash: hash of @masked over the mask's range
 * @ufid_hash: hash of @ufid
 * @ufid_len: bytes of @ufid; 0 when the key identifies the flow
 * @ufid: the unique flow id userspace gave
 * @key: the key as userspace gave it
 * @masked: @key & @mask->key, what packets are compared with
 * @acts: its actions (RCU)
 * @stats: per-CPU counters
 */
struct kvirt_dp_flow {
	struct hlist_node node[2];
	struct hlist_node ufid_node[2];
	struct list_head list;
	struct rcu_head rcu;
	struct kvirt_dp_mask *mask;
	u32 hash;
	u32 ufid_hash;
	u32 ufid_len;
	u8 ufid[KVIRT_DP_UFID_MAX];
	struct kvirt_dp_key key;
	struct kvirt_dp_key masked;
	struct kvirt_dp_actions __rcu *acts;
	struct kvirt_dp_flow_stats __percpu *stats;
};

/**
 * struct kvirt_dp_flow_table - the datapath's flows
 * @count: flows installed
 * @n_masks: distinct masks among them
 * @masks: the masks, tried in turn by lookups (RCU)
 * @cache: the mask cache of the packet path (RCU)
 * @flows: all flows, for dumps and flushes (under kvirt_dp_lock())
 * @ufids: flows with a UFID, hashed by it (under kvirt_dp_lock())
 * @ufids_rehashed: RCU state cookie of the last growth of @ufids
 */
struct kvirt_dp_flow_table {
	unsigned int count;
	unsigned int n_masks;
	struct kvirt_dp_mask_array __rcu *masks;
	struct kvirt_dp_mask_cache __rcu *cache;
	struct list_head flows;
	struct kvirt_dp_flow_hash __rcu *ufids;
	unsigned long ufids_rehashed;
};

/**
 * struct kvirt_dp - one datapath, named after its local port
 * @node: in the namespace's list of datapaths (RCU)
 * @net: the namespace it was created in; it lives and dies there
 * @local: port 0 (OVSP_LOCAL), an internal port; set for the whole life
 * @ifindex: the local port's ifindex, the datapath's dp_ifindex
 * @ports: vports hashed by port number (RCU)
 * @table: the flow table
 * @stats: per-CPU counters
 * @user_features: OVS_DP_F_* userspace enabled
 * @masks_cache_size: OVS_DP_ATTR_MASKS_CACHE_SIZE, for the flow table
 * @cpu_pids: upcall pids per CPU, used with
 *	OVS_DP_F_DISPATCH_UPCALL_PER_CPU (RCU, may be NULL)
 * @rcu: frees the datapath after readers are done
 */
struct kvirt_dp {
	struct list_head node;
	possible_net_t net;
	struct kvirt_dp_vport *local;
	int ifindex;
	struct hlist_head ports[KVIRT_DP_PORT_BUCKETS];
	struct kvirt_dp_flow_table table;
	struct kvirt_dp_stats __percpu *stats;
	u32 user_features;
	u32 masks_cache_size;
	struct kvirt_dp_pids __rcu *cpu_pids;
	struct rcu_head rcu;
};

struct kvirt_dp_vport;

/**
 * struct kvirt_dp_vport_parms - what a new vport is made from
 * @name: device name (NUL-terminated, shorter than IFNAMSIZ)
 * @type: OVS_VPORT_TYPE_*
 * @dp: the datapath it joins
 * @port_no: its number, free in @dp
 * @upcall_pids: OVS_VPORT_ATTR_UPCALL_PID (validated)
 * @ifindex: wanted ifindex of an internal device, 0 for any
 * @extack: where to explain a refusal
 */
struct kvirt_dp_vport_parms {
	const char *name;
	u32 type;
	struct kvirt_dp *dp;
	u16 port_no;
	const struct nlattr *upcall_pids;
	int ifindex;
	struct netlink_ext_ack *extack;
};

/**
 * struct kvirt_dp_vport_ops - one vport type
 * @type: OVS_VPORT_TYPE_*
 * @create: make the vport and its device binding, or ERR_PTR()
 * @destroy: undo @create; the vport is freed after an RCU grace period
 * @send: send a frame (consumed, skb->data at the Ethernet header) out of
 *	the port, on the packet path
 */
struct kvirt_dp_vport_ops {
	u32 type;
	struct kvirt_dp_vport *(*create)(const struct kvirt_dp_vport_parms *p);
	void (*destroy)(struct kvirt_dp_vport *vport);
	void (*send)(struct kvirt_dp_vport *vport, struct sk_buff *skb);
};

/**
 * struct kvirt_dp_vport - a port of a datapath, backed by a net_device
 * @dev: the device (held)
 * @dev_tracker: tracks the hold on @dev
 * @dp: the datapath
 * @port_no: number within @dp
 * @ops: its type
 * @upcall_pids: where its misses go without per-CPU dispatch (RCU)
 * @node: in @dp's port hash (RCU)
 * @detached: a netdev vport whose device is being unregistered; the
 *	device notifier has unhooked it and the detach work removes it
 * @rcu: frees the vport after readers are done
 */
struct kvirt_dp_vport {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct kvirt_dp *dp;
	u16 port_no;
	const struct kvirt_dp_vport_ops *ops;
	struct kvirt_dp_pids __rcu *upcall_pids;
	struct hlist_node node;
	bool detached;
	struct rcu_head rcu;
};

/**
 * struct kvirt_dp_upcall - what a packet sent to userspace carries
 * @cmd: OVS_PACKET_CMD_MISS, or OVS_PACKET_CMD_ACTION from a userspace
 *	action
 * @portid: the netlink port to send to; 0 means nobody listens
 * @userdata: the action's OVS_USERSPACE_ATTR_USERDATA, or NULL
 * @actions: with OVS_USERSPACE_ATTR_ACTIONS, the run of actions the
 *	userspace action is in (OVS_PACKET_ATTR_ACTIONS), else NULL
 * @actions_len: bytes of @actions
 * @trunc: if nonzero, send at most this many bytes of the frame (a trunc
 *	action came before), with OVS_PACKET_ATTR_LEN giving its length
 */
struct kvirt_dp_upcall {
	u8 cmd;
	u32 portid;
	const struct nlattr *userdata;
	const struct nlattr *actions;
	u32 actions_len;
	u32 trunc;
};

/**
 * struct kvirt_dp_net - kvirt_dp's state in one network namespace
 * @dps: its datapaths (RCU list, changed under kvirt_dp_lock())
 * @detach_work: removes vports whose devices were unregistered
 * @rebalance_work: reorders the datapaths' masks by hits, periodically
 */
struct kvirt_dp_net {
	struct list_head dps;
	struct work_struct detach_work;
	struct delayed_work rebalance_work;
};

/* main.c */
extern unsigned int kvirt_dp_net_id;

/* debugfs.c: live object counts, for leak checks */
enum kvirt_dp_obj {
	KVIRT_DP_OBJ_DATAPATHS,
	KVIRT_DP_OBJ_VPORTS,
	KVIRT_DP_OBJ_FLOWS,
	KVIRT_DP_OBJ_MASKS,
	KVIRT_DP_OBJ_ACTIONS,
	KVIRT_DP_OBJ_COUNT
};

extern atomic_t kvirt_dp_objects[KVIRT_DP_OBJ_COUNT];
void kvirt_dp_debugfs_init(void);
void kvirt_dp_debugfs_exit(void);

/* An object of @type was allocated (_get) or finally freed (_put). */
static inline void kvirt_dp_obj_get(enum kvirt_dp_obj type)
{
	atomic_inc(&kvirt_dp_objects[type]);
}

static inline void kvirt_dp_obj_put(enum kvirt_dp_obj type)
{
	atomic_dec(&kvirt_dp_objects[type]);
}

/* datapath.c: the lock, the families, datapath life */
void kvirt_dp_lock(void);
void kvirt_dp_unlock(void);
bool kvirt_dp_lock_held(void);
#define kvirt_dp_deref(p) \
	rcu_dereference_check(p, kvirt_dp_lock_held())

extern struct genl_family kvirt_dp_packet_family;
int kvirt_dp_genl_register(void);
void kvirt_dp_genl_unregister(void);
const char *kvirt_dp_name(const struct kvirt_dp *dp);
struct kvirt_dp *kvirt_dp_by_ifindex(struct net *net, int ifindex);
void kvirt_dp_destroy(struct kvirt_dp *dp);
void kvirt_dp_vport_gone(struct kvirt_dp_vport *vport);

static inline struct net *kvirt_dp_net(const struct kvirt_dp *dp)
{
	return read_pnet(&dp->net);
}

/* vport.c: vports of any type */
struct kvirt_dp_vport *kvirt_dp_vport_alloc(const struct kvirt_dp_vport_ops *ops,
					    const struct kvirt_dp_vport_parms *p);
void kvirt_dp_vport_free(struct kvirt_dp_vport *vport);
struct kvirt_dp_vport *kvirt_dp_vport_add(const struct kvirt_dp_vport_parms *p);
void kvirt_dp_vport_del(struct kvirt_dp_vport *vport);
struct kvirt_dp_vport *kvirt_dp_vport_lookup(const struct kvirt_dp *dp,
					     u16 port_no);
struct kvirt_dp_vport *kvirt_dp_vport_locate(struct net *net,
					     const char *name);
int kvirt_dp_pids_check(const struct nlattr *ids, u32 max,
			struct netlink_ext_ack *extack);
struct kvirt_dp_pids *kvirt_dp_pids_from_attr(const struct nlattr *ids);
int kvirt_dp_vport_set_upcall_pids(struct kvirt_dp_vport *vport,
				   const struct nlattr *ids);
int kvirt_dp_vport_put_upcall_pids(const struct kvirt_dp_vport *vport,
				   struct sk_buff *skb);
u32 kvirt_dp_vport_upcall_pid(const struct kvirt_dp_vport *vport,
			      struct sk_buff *skb);
void kvirt_dp_vport_get_stats(const struct kvirt_dp_vport *vport,
			      struct ovs_vport_stats *stats);

/* vport-internal.c, vport-netdev.c: the two device-backed types */
extern const struct kvirt_dp_vport_ops kvirt_dp_internal_ops;
extern const struct kvirt_dp_vport_ops kvirt_dp_netdev_ops;
struct kvirt_dp_vport *kvirt_dp_internal_vport(const struct net_device *dev);
int kvirt_dp_netdev_init(void);
void kvirt_dp_netdev_exit(void);
void kvirt_dp_netdev_detach_work(struct work_struct *work);

/* packet.c: the packet path */
int kvirt_dp_process_received_packet(struct kvirt_dp_vport *vport,
				     struct sk_buff *skb);
void kvirt_dp_process_packet(struct kvirt_dp *dp, struct kvirt_dp_vport *vport,
			     struct sk_buff *skb, struct kvirt_dp_key *key);
u32 kvirt_dp_cpu_upcall_pid(const struct kvirt_dp *dp);

/* flow.c: keys */
int kvirt_dp_key_extract(const struct kvirt_dp_vport *vport,
			 struct sk_buff *skb, struct kvirt_dp_key *key);
int kvirt_dp_key_to_nlattrs(const struct kvirt_dp_key *key,
			    struct sk_buff *skb, int attrtype);
int kvirt_dp_mask_to_nlattrs(const struct kvirt_dp_key *key,
			     const struct kvirt_dp_key *mask,
			     struct sk_buff *skb, int attrtype);
size_t kvirt_dp_key_attr_size(void);

/* flow_netlink.c: keys and masks from userspace */
int kvirt_dp_match_from_nlattrs(const struct nlattr *nla_key,
				const struct nlattr *nla_mask,
				struct kvirt_dp_key *key,
				struct kvirt_dp_key *mask,
				struct netlink_ext_ack *extack);

/* tunnel.c: tunnel metadata in keys, the set(tunnel) action */
int kvirt_dp_tun_from_nlattr(const struct nlattr *attr,
			     struct kvirt_dp_key *out,
			     const struct kvirt_dp_key *key,
			     struct netlink_ext_ack *extack);
int kvirt_dp_tun_to_nlattrs(const struct kvirt_dp_key *key,
			    const struct kvirt_dp_key *out,
			    struct sk_buff *skb);
size_t kvirt_dp_tun_attr_size(void);
void kvirt_dp_tun_key_extract(struct sk_buff *skb, struct kvirt_dp_key *key);
int kvirt_dp_tun_set_check(const struct nlattr *attr,
			   struct netlink_ext_ack *extack);
int kvirt_dp_tun_set(struct sk_buff *skb, const struct nlattr *attr);

/* action_netlink.c: actions from userspace */
/* @dst = @key & @mask, byte for byte: what actions are checked against. */
static inline void kvirt_dp_key_mask(struct kvirt_dp_key *dst,
				     const struct kvirt_dp_key *key,
				     const struct kvirt_dp_key *mask)
{
	const unsigned long *k = (const unsigned long *)key;
	const unsigned long *m = (const unsigned long *)mask;
	unsigned long *d = (unsigned long *)dst;
	size_t i;

	for (i = 0; i < sizeof(*dst) / sizeof(long); i++)
		d[i] = k[i] & m[i];
}

struct kvirt_dp_actions *kvirt_dp_actions_from_nlattr(const struct nlattr *a,
						      const struct kvirt_dp_key *key,
						      struct netlink_ext_ack *extack);
int kvirt_dp_actions_to_nlattr(struct sk_buff *skb, int attrtype,
			       const struct nlattr *attr, int len);

/* flow_table.c: the flows, looked up under RCU, changed under the lock */
int kvirt_dp_table_init(struct kvirt_dp_flow_table *t);
void kvirt_dp_table_free(struct kvirt_dp_flow_table *t);
struct kvirt_dp_mask_cache *kvirt_dp_mask_cache_alloc(u32 size);
void kvirt_dp_mask_cache_free(struct kvirt_dp_mask_cache *mc);
void kvirt_dp_table_set_cache(struct kvirt_dp_flow_table *t,
			      struct kvirt_dp_mask_cache *mc);
void kvirt_dp_rebalance_start(struct kvirt_dp_net *kn);
void kvirt_dp_rebalance_stop(struct kvirt_dp_net *kn);
u64 kvirt_dp_mask_hits(const struct kvirt_dp_mask *mask);
struct kvirt_dp_flow *kvirt_dp_mask_first_flow(struct kvirt_dp_mask *mask);
struct kvirt_dp_flow *kvirt_dp_flow_lookup_any(struct kvirt_dp_flow_table *t,
					       const struct kvirt_dp_key *key);

/* mask_netlink.c: the "kvirt_dp_mask" family */
int kvirt_dp_mask_genl_register(void);
void kvirt_dp_mask_genl_unregister(void);
struct kvirt_dp_flow *kvirt_dp_flow_lookup(struct kvirt_dp *dp,
					   const struct kvirt_dp_key *key,
					   u32 skb_hash, u32 *n_mask_hit,
					   u32 *n_cache_hit);
struct kvirt_dp_flow *kvirt_dp_flow_lookup_ufid(struct kvirt_dp_flow_table *t,
						const u8 *ufid, u32 len);
struct kvirt_dp_flow *kvirt_dp_flow_lookup_exact(struct kvirt_dp_flow_table *t,
						 const struct kvirt_dp_key *key);
struct kvirt_dp_flow *kvirt_dp_flow_alloc(void);
void kvirt_dp_flow_free(struct kvirt_dp_flow *flow);
int kvirt_dp_flow_insert(struct kvirt_dp_flow_table *t,
			 struct kvirt_dp_flow *flow,
			 const struct kvirt_dp_key *mask);
void kvirt_dp_flow_remove(struct kvirt_dp_flow_table *t,
			  struct kvirt_dp_flow *flow);
void kvirt_dp_flow_flush(struct kvirt_dp_flow_table *t);
void kvirt_dp_flow_used(struct kvirt_dp_flow *flow, const struct sk_buff *skb,
			const struct kvirt_dp_key *key);
void kvirt_dp_flow_get_stats(const struct kvirt_dp_flow *flow,
			     struct ovs_flow_stats *st, unsigned long *used,
			     __be16 *tcp_flags);
void kvirt_dp_flow_clear_stats(struct kvirt_dp_flow *flow);
void kvirt_dp_actions_free(struct kvirt_dp_actions *acts);
void kvirt_dp_actions_free_rcu(struct kvirt_dp_actions *acts);

/* actions.c: what a flow does with a packet */
void kvirt_dp_execute_actions(struct kvirt_dp *dp, struct sk_buff *skb,
			      struct kvirt_dp_key *key,
			      const struct kvirt_dp_actions *acts);

/* execute.c: packets from userspace */
int kvirt_dp_packet_cmd_execute(struct sk_buff *skb, struct genl_info *info);

/* upcall.c: packets to userspace */
int kvirt_dp_upcall(struct kvirt_dp *dp, struct sk_buff *skb,
		    const struct kvirt_dp_key *key,
		    const struct kvirt_dp_upcall *upcall);

#endif /* KVIRT_DP_DATAPATH_H */
