// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a guest's first words come through a serial port: a minimal 8250
 * UART at COM1 whose transmitter writes to our stdout and is always empty,
 * so a polling driver never waits. No receiver and no interrupts: every
 * other register keeps what the guest wrote, enough for a driver's setup.
 */
#include <stdio.h>

#include "serial.h"

#define REG_DATA	0	/* THR on write, RBR on read; DLL with DLAB */
#define REG_IER		1	/* DLM with DLAB */
#define REG_IIR		2	/* FCR on write */
#define REG_LCR		3
#define REG_LSR		5
#define REG_MSR		6

#define LCR_DLAB	0x80
#define IIR_NO_INT	0x01
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter empty */

static struct {
	uint8_t reg[SERIAL_PORTS];	/* what the guest last wrote */
	uint8_t dll, dlm;		/* the divisor latch */
} uart;

static void uart_write(unsigned int reg, uint8_t val)
{
	bool dlab = uart.reg[REG_LCR] & LCR_DLAB;

	if (reg == REG_DATA && !dlab) {
		putchar(val);
		if (val == '\n')
			fflush(stdout);
	} else if (reg == REG_DATA) {
		uart.dll = val;
	} else if (reg == REG_IER && dlab) {
		uart.dlm = val;
	} else if (reg != REG_LSR) {
		uart.reg[reg] = val;
	}
}

static uint8_t uart_read(unsigned int reg)
{
	bool dlab = uart.reg[REG_LCR] & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		return dlab ? uart.dll : 0;
	case REG_IER:
		return dlab ? uart.dlm : uart.reg[REG_IER];
	case REG_IIR:
		return IIR_NO_INT;
	case REG_LSR:
		return LSR_THRE | LSR_TEMT;
	case REG_MSR:
		return 0;
	default:
		return uart.reg[reg];
	}
}

bool serial_io(uint16_t port, bool out, uint8_t *data)
{
	if (port < SERIAL_COM1 || port >= SERIAL_COM1 + SERIAL_PORTS)
		return false;
	if (out)
		uart_write(port - SERIAL_COM1, *data);
	else
		*data = uart_read(port - SERIAL_COM1);
	return true;
}
