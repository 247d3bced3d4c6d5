/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: kmod/kvirt/decode.c is built into the host-side unit test; this
 * adds the kernel's short integer names to the user-space linux/types.h.
 */
#ifndef KVIRT_HOST_LINUX_TYPES_H
#define KVIRT_HOST_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#endif /* KVIRT_HOST_LINUX_TYPES_H */
