/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the serial console of "kvirt run", an 8250 UART at COM1, is one
 * device with one entry point: the port I/O the guest does on it.
 */
#ifndef KVIRT_USER_SERIAL_H
#define KVIRT_USER_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#define SERIAL_COM1	0x3f8
#define SERIAL_PORTS	8

/*
 * One byte of guest port I/O at @port (SERIAL_COM1 to SERIAL_COM1 + 7):
 * stores *@data on an OUT, fills it on an IN. False for other ports.
 */
bool serial_io(uint16_t port, bool out, uint8_t *data);

#endif /* KVIRT_USER_SERIAL_H */
