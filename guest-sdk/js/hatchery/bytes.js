// Bytes and UTF-8. QuickJS as componentize-qjs builds it has no TextEncoder or
// TextDecoder, so the SDK carries its own (WHATWG semantics: a lone surrogate encodes as
// U+FFFD, an invalid byte sequence decodes as U+FFFD).

/**
 * The UTF-8 bytes of a string. Lone surrogates become U+FFFD, as TextEncoder does.
 *
 * @param {string} text
 * @returns {Uint8Array}
 */
export function encodeUtf8(text) {
  const s = String(text);
  const out = new Uint8Array(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (cp >> 18);
        out[n++] = 0x80 | ((cp >> 12) & 0x3f);
        out[n++] = 0x80 | ((cp >> 6) & 0x3f);
        out[n++] = 0x80 | (cp & 0x3f);
        continue;
      }
      c = 0xfffd;
    }
    out[n++] = 0xe0 | (c >> 12);
    out[n++] = 0x80 | ((c >> 6) & 0x3f);
    out[n++] = 0x80 | (c & 0x3f);
  }
  return out.slice(0, n);
}

/**
 * The text of UTF-8 bytes. Each invalid sequence becomes U+FFFD, as TextDecoder does.
 *
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function decodeUtf8(bytes) {
  const units = [];
  let text = "";
  const flush = () => {
    text += String.fromCharCode.apply(null, units);
    units.length = 0;
  };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    let cp = 0xfffd;
    let size = 1;
    if (b < 0x80) {
      cp = b;
    } else if (b >= 0xc2 && b <= 0xf4) {
      size = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      // The second byte's range excludes overlong forms, surrogates and values past U+10FFFF.
      const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
      cp = b & (size === 2 ? 0x1f : size === 3 ? 0x0f : 0x07);
      let k = 1;
      for (; k < size; k++) {
        const c = bytes[i + k];
        if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) break;
        cp = (cp << 6) | (c & 0x3f);
      }
      if (k < size) {
        // An invalid or cut sequence: one U+FFFD for its valid start (its maximal subpart).
        cp = 0xfffd;
        size = k;
      }
    }
    i += size;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length >= 8192) flush();
  }
  flush();
  return text;
}

/**
 * A string as the host takes it: lone surrogates (which the bindings cannot encode and
 * would trap on) replaced by U+FFFD.
 *
 * @param {string} text
 * @param {string} what what the string is, for the TypeError when it is not one
 */
export function hostString(text, what) {
  if (typeof text !== "string") {
    throw new TypeError(`${what} must be a string, not ${typeof text}`);
  }
  return text.toWellFormed();
}

/**
 * Message bytes from what a caller passes: a Uint8Array as it is, another ArrayBuffer
 * view or an ArrayBuffer as its bytes, a string as its UTF-8 bytes.
 *
 * @param {Uint8Array | ArrayBuffer | ArrayBufferView | string} data
 * @param {string} [what] what the bytes are, for the TypeError
 * @returns {Uint8Array}
 */
export function toBytes(data, what = "data") {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string") return encodeUtf8(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  throw new TypeError(`${what} must be a Uint8Array, an ArrayBuffer or a string`);
}

/**
 * Whether `bytes` begins with `prefix`.
 *
 * @param {Uint8Array} bytes
 * @param {Uint8Array} prefix
 */
export function startsWith(bytes, prefix) {
  if (prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[i] !== prefix[i]) return false;
  }
  return true;
}

/**
 * Whether two byte arrays hold the same bytes.
 *
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
export function bytesEqual(a, b) {
  return a.length === b.length && startsWith(a, b);
}

/**
 * The bytes of several arrays, one after the other.
 *
 * @param {...Uint8Array} parts
 * @returns {Uint8Array}
 */
export function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
