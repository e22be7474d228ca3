/** Small helpers for the messages the signer answers. */

/** `n` with its noun, plural when it is not 1: `count(1, "part")` is "1 part", `count(3, "byte")` "3 bytes". */
export function count(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}
