/** Binary size units, in bytes, written once (part sizes, limits, buffers). */

/** 1,024 bytes. */
export const KiB = 1024;
/** 1,048,576 bytes. */
export const MiB = 1024 * KiB;
/** 1,073,741,824 bytes. */
export const GiB = 1024 * MiB;
/** 1,099,511,627,776 bytes. */
export const TiB = 1024 * GiB;
