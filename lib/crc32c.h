/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of every gt file format
 * and frame.  Uses the SSE4.2 instruction when the CPU has it, a
 * slicing-by-8 table otherwise.  Thread-safe.
 */
#ifndef GT_CRC32C_H
#define GT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extend crc (0 to start) over n bytes. */
uint32_t gt_crc32c(uint32_t crc, const void *p, size_t n);

#endif
