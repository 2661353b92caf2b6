// Key arithmetic shared by both stores: etcd orders keys by their UTF-8 bytes, and a prefix is the
// range [prefix, prefixEnd(prefix)). JS strings compare by UTF-16 code units, which agrees with
// UTF-8 byte order except between U+E000..U+FFFF and astral characters; compareKeys corrects that.

/** Negative, zero or positive as a sorts before, equal to, or after b in UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral characters, 4 UTF-8 bytes) sort after every other BMP unit in UTF-8.
    return byteRank(x) - byteRank(y);
  }
  return a.length - b.length;
}

function byteRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * The exclusive end of the byte range holding every key that starts with prefix: the prefix with
 * its last byte below 0xff incremented and the rest dropped. The empty prefix (every key) and a
 * prefix of only 0xff bytes give [0], which etcd reads as "to the end of the keyspace".
 */
export function prefixEnd(prefix: Buffer): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i];
    if (byte !== undefined && byte < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = byte + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** The key that sorts right after key: the next page of a range starts here. */
export function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}

/** keyAfter for string keys: the smallest key that sorts after key. */
export function keyAfterString(key: string): string {
  return `${key}\u0000`;
}
