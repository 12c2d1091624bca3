// Z85 (ZeroMQ RFC 32), to print the raw 32-byte keys ZAP hands over.
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Encodes bytes (length a multiple of 4) as Z85. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`z85 needs a multiple of 4 bytes, found ${bytes.length}`);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let value = ((bytes[i]! << 24) >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = ALPHABET[value % 85]! + chunk;
      value = Math.floor(value / 85);
    }
    out += chunk;
  }
  return out;
}

/** True for a 40-character Z85 string, the text form of a CURVE key. */
export function isZ85Key(text: unknown): text is string {
  return typeof text === 'string' && text.length === 40 && [...text].every((c) => ALPHABET.includes(c));
}

/** Decodes Z85 text (length a multiple of 5) into bytes; throws RangeError on a character outside the alphabet. */
export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new RangeError(`z85 needs a multiple of 5 characters, found ${text.length}`);
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = ALPHABET.indexOf(text[i + j]!);
      if (digit < 0) throw new RangeError(`z85: ${JSON.stringify(text[i + j])} is not a Z85 character`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new RangeError('z85: a group of five characters is larger than 32 bits');
    out.writeUInt32BE(value, (i / 5) * 4);
  }
  return out;
}
