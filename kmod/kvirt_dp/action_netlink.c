// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a flow's OVS_FLOW_ATTR_ACTIONS (and an executed packet's) are
 * checked once, when userspace hands them over, with OVS's errnos, so
 * that actions.c can run them on the packet path without checking again
 * and ovs-vswitchd's probes of unsupported actions read EINVAL.
 */
#include <linux/slab.h>

#include "datapath.h"

static const struct nla_policy userspace_policy[OVS_USERSPACE_ATTR_MAX + 1] = {
	[OVS_USERSPACE_ATTR_PID] = { .type = NLA_U32 },
	[OVS_USERSPACE_ATTR_USERDATA] = { .type = NLA_UNSPEC },
	[OVS_USERSPACE_ATTR_EGRESS_TUN_PORT] = { .type = NLA_U32 },
	[OVS_USERSPACE_ATTR_ACTIONS] = { .type = NLA_FLAG },
};

static int check_userspace(const struct nlattr *attr,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *a[OVS_USERSPACE_ATTR_MAX + 1];
	int err;

	err = nla_parse_nested_deprecated(a, OVS_USERSPACE_ATTR_MAX, attr,
					  userspace_policy, extack);
	if (err)
		return err;
	if (!a[OVS_USERSPACE_ATTR_PID] || !nla_get_u32(a[OVS_USERSPACE_ATTR_PID])) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "userspace action needs a nonzero pid");
		return -EINVAL;
	}
	return 0;
}

/**
 * kvirt_dp_actions_from_nlattr() - a flow's actions, checked and copied
 * @attr: OVS_FLOW_ATTR_ACTIONS
 * @extack: why they were refused
 *
 * kvirt_dp takes output and userspace actions; none means drop.
 * Return: the copy, or ERR_PTR(-EINVAL) or ERR_PTR(-ENOMEM).
 */
struct kvirt_dp_actions *kvirt_dp_actions_from_nlattr(const struct nlattr *attr,
						      struct netlink_ext_ack *extack)
{
	struct kvirt_dp_actions *acts;
	const struct nlattr *a;
	int rem, err;

	nla_for_each_nested(a, attr, rem) {
		switch (nla_type(a)) {
		case OVS_ACTION_ATTR_OUTPUT:
			if (nla_len(a) != sizeof(u32)) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "output action has an unexpected length");
				return ERR_PTR(-EINVAL);
			}
			if (nla_get_u32(a) >= KVIRT_DP_MAX_PORTS) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "output port out of range");
				return ERR_PTR(-EINVAL);
			}
			break;
		case OVS_ACTION_ATTR_USERSPACE:
			err = check_userspace(a, extack);
			if (err)
				return ERR_PTR(err);
			break;
		default:
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "unknown action or not supported by kvirt_dp");
			return ERR_PTR(-EINVAL);
		}
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "trailing bytes after actions");
		return ERR_PTR(-EINVAL);
	}
	acts = kmalloc(struct_size(acts, data, nla_len(attr)), GFP_KERNEL);
	if (!acts)
		return ERR_PTR(-ENOMEM);
	acts->len = nla_len(attr);
	memcpy(acts->data, nla_data(attr), acts->len);
	return acts;
}
