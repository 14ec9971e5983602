/**
 * The Rate Limiting key for a client address. An IPv4 address is one subscriber, but an IPv6
 * subscriber is routinely given a whole /64 (RFC 6177; SLAAC picks the low 64 bits at random), so
 * keying on the full address would give one visitor 2^64 buckets. IPv6 is therefore bucketed by
 * its /64 (`2001:db8:1:2::/64`); IPv4 and IPv4-mapped IPv6 by the full IPv4 address. Anything
 * that does not parse is its own key, lowercased.
 */
export function mintRateLimitKey(address: string): string {
  const text = address.trim().toLowerCase();
  if (IPV4.test(text)) return text;
  const hextets = parseIpv6(text);
  if (!hextets) return text;
  if (isIpv4Mapped(hextets)) {
    const [high, low] = [hextets[6] ?? 0, hextets[7] ?? 0];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  }
  return `${hextets
    .slice(0, 4)
    .map((hextet) => hextet.toString(16))
    .join(":")}::/64`;
}

const IPV4_OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);
const HEXTET = /^[0-9a-f]{1,4}$/;

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2 text forms), or null. */
function parseIpv6(text: string): number[] | null {
  // A zone index (`fe80::1%eth0`) names a local interface, not part of the address.
  const address = text.split("%")[0] ?? "";
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string | undefined): string[] | null => {
    if (!half) return [];
    const parts = half.split(":");
    const last = parts.at(-1) ?? "";
    // A trailing dotted quad (`::ffff:192.0.2.1`) stands for the last two groups.
    if (IPV4.test(last)) {
      const octets = last.split(".").map(Number);
      parts.splice(
        -1,
        1,
        (((octets[0] ?? 0) << 8) | (octets[1] ?? 0)).toString(16),
        (((octets[2] ?? 0) << 8) | (octets[3] ?? 0)).toString(16),
      );
    }
    return parts.every((part) => HEXTET.test(part)) ? parts : null;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail) return null;
  if (halves.length === 1 && head.length !== 8) return null;
  if (halves.length === 2 && head.length + tail.length > 7) return null;
  const zeros = Array.from({ length: 8 - head.length - tail.length }, () => "0");
  return [...head, ...zeros, ...tail].map((group) => Number.parseInt(group, 16));
}

/** `::ffff:a.b.c.d`: an IPv4 client seen through a dual-stack socket. */
function isIpv4Mapped(hextets: number[]): boolean {
  return hextets.slice(0, 5).every((hextet) => hextet === 0) && hextets[5] === 0xffff;
}
