// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the flow table's lookup, the seam between the packet path and the
 * flows userspace installs. This step has no flow commands yet (ovs_flow
 * answers EOPNOTSUPP), so the table is always empty and every packet
 * misses; the next step replaces the body below with the masked lookup
 * and mask cache of OVS's flow_table.c, and fills struct
 * kvirt_dp_flow_table.
 */
#include "datapath.h"

/**
 * kvirt_dp_flow_lookup() - the flow matching a key
 * @dp: the datapath, under RCU
 * @key: the packet's key
 * @n_mask_hit: set to the number of masks tried
 * @n_cache_hit: set to the number of mask cache hits
 *
 * Return: the flow, or NULL: the table is empty until flows can be added.
 */
struct kvirt_dp_flow *kvirt_dp_flow_lookup(struct kvirt_dp *dp,
					   const struct kvirt_dp_key *key,
					   u32 *n_mask_hit, u32 *n_cache_hit)
{
	*n_mask_hit = 0;
	*n_cache_hit = 0;
	return NULL;
}
