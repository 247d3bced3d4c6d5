/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: one tracepoint per guest exit (events/kvirt/kvirt_exit), so that
 * exits can be watched and timed with ftrace or perf without a rebuild.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvirt

#if !defined(KVIRT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KVIRT_TRACE_H

#include <linux/tracepoint.h>

#include "kvirt.h"

TRACE_EVENT(kvirt_exit,
	    TP_PROTO(const struct kvirt_vcpu *vcpu, u64 reason, u64 info1,
		     u64 info2),
	    TP_ARGS(vcpu, reason, info1, info2),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(u64, reason)
			     __field(u64, rip)
			     __field(u64, info1)
			     __field(u64, info2)),
	    TP_fast_assign(__entry->vcpu_id = vcpu->id;
			   __entry->reason = reason;
			   __entry->rip = vcpu->rip;
			   __entry->info1 = info1;
			   __entry->info2 = info2;),
	    TP_printk("vcpu %u reason %#llx rip %#llx info %#llx %#llx",
		      __entry->vcpu_id, __entry->reason, __entry->rip,
		      __entry->info1, __entry->info2)
);

#endif /* KVIRT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
