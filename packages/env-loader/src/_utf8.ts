/**
 * Byte offset of the first byte that does not start a well-formed UTF-8 sequence (the same
 * judgement as `TextDecoder` with `fatal: true`), or -1. TextDecoder only says *that* the
 * input is bad; the offset lets us name the line.
 */
export function findInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let length: number;
    let min = 0x80;
    let max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) min = 0xa0; // overlong
      if (lead === 0xed) max = 0x9f; // UTF-16 surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) min = 0x90; // overlong
      if (lead === 0xf4) max = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k < length; k += 1) {
      const byte = bytes[i + k];
      const low = k === 1 ? min : 0x80;
      const high = k === 1 ? max : 0xbf;
      if (byte === undefined || byte < low || byte > high) return i;
    }
    i += length;
  }
  return -1;
}

/** 1-based line of a byte offset, counting LF, CRLF and lone CR as line ends (as dotenv does). */
export function lineOfByteOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (byte === 0x0a) line += 1;
    else if (byte === 0x0d && bytes[i + 1] !== 0x0a) line += 1;
  }
  return line;
}
