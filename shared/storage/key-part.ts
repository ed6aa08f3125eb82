import { createHash } from 'node:crypto';

/*
 * The one encoding for user data inside a PartitionKey or RowKey. Table Storage refuses / \ # ? and
 * control characters in keys and limits a key to 1 KiB; our own layouts use '|' between parts. So every
 * character outside encodeURIComponent's unreserved set becomes %XX per UTF-8 byte (the same output as
 * encodeURIComponent, so keys written before this function existed are found again), and a lone
 * surrogate, which encodeURIComponent throws on, becomes %uD800: a '%' of the input is always %25, so
 * the output stays one-to-one. It cannot throw.
 *
 * The output is at most `maxLength` characters: a longer encoding keeps its first part and ends in '%~'
 * and the SHA-256 of the whole value. '%~' never occurs in an exact encoding ('%' is always followed by
 * two hex digits or 'u' there), so a shortened key cannot equal another value's exact one. Validated input (event ids are at most
 * 128 printable ASCII characters, so at most 384 encoded) never reaches that form.
 */
/** @internal */
export const KEY_PART_MAX = 400;

const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;
/** A value of unreserved characters only: its own encoding (names and event ids mostly are; issue 24: a test per character per key). */
const ALL_UNRESERVED = /^[A-Za-z0-9\-_.!~*'()]*$/;
const HASHED_SUFFIX = 66; // '%~' + 64 hex digits

function encodeCodePoints(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const ch = value[i]!;
    if (unit < 0x80 && UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += percentBytes(value.slice(i, i + 2));
        i++;
        continue;
      }
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      out += `%u${unit.toString(16).toUpperCase()}`;
      continue;
    }
    out += percentBytes(ch);
  }
  return out;
}

function percentBytes(wellFormed: string): string {
  let out = '';
  for (const byte of Buffer.from(wellFormed, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** `value` as a safe, bounded piece of a storage key (see above). */
export function keyPart(value: string, maxLength: number = KEY_PART_MAX): string {
  const max = Math.max(maxLength, HASHED_SUFFIX + 1);
  // Each UTF-16 unit encodes to at most 9 characters; cut first so a huge input costs no more than a bounded one.
  if (value.length <= max && ALL_UNRESERVED.test(value)) return value;
  const source = value.length > max * 9 ? value.slice(0, max * 9) : value;
  const encoded = encodeCodePoints(source);
  if (encoded.length <= max && source.length === value.length) return encoded;
  const digest = createHash('sha256').update(value, 'utf16le').digest('hex');
  return `${encoded.slice(0, max - HASHED_SUFFIX)}%~${digest}`;
}

/**
 * The storage key of a name: lowercase, so 'MyHook01' and 'myhook01' are the same webhook. Names are
 * validated before they get here; the key encoding is the safety net.
 */
export function nameKey(name: string): string {
  return keyPart(name.toLowerCase(), 100);
}
