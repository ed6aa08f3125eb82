import ipaddr from 'ipaddr.js';

/*
 * Which addresses a delivery may connect to (SSRF protection). Classification is ipaddr.js's (a
 * maintained library of the IANA special-purpose registries), not hand-made masks. IPv6 forms that
 * embed an IPv4 address (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo) are judged by the
 * address they carry. Cloud metadata endpoints are refused whatever ALLOW_PRIVATE_TARGETS says.
 */

/** Instance metadata and platform endpoints: Azure IMDS and WireServer, AWS (v4 and v6), Alibaba, Oracle. */
const METADATA = new Set([
  '169.254.169.254',
  '168.63.129.16',
  '169.254.169.253',
  '169.254.170.2',
  '100.100.100.200',
  '192.0.0.192',
  'fd00:ec2::254',
]);

/** Ranges a local run may reach (ALLOW_PRIVATE_TARGETS): this machine and the networks it sits in. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'linkLocal', 'carrierGradeNat']);

export type TargetVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = address.range();
  const bytes = address.toByteArray();
  if (range === 'ipv4Mapped' || range === 'rfc6052' || range === 'rfc6145') return new ipaddr.IPv4(bytes.slice(12, 16));
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  // Teredo carries the client's address inverted in the last four bytes.
  if (range === 'teredo') return new ipaddr.IPv4(bytes.slice(12, 16).map((b) => b ^ 0xff));
  return undefined;
}

/** Judges one IP address (v4 or v6, as text). */
export function judgeAddress(text: string, allowPrivate: boolean): TargetVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(text.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return { allowed: false, reason: `'${text}' is not an IP address` };
  }
  const normal = parsed.toNormalizedString();
  if (METADATA.has(parsed.kind() === 'ipv6' ? (parsed as ipaddr.IPv6).toString() : normal)) {
    return { allowed: false, reason: `${text} is a cloud metadata address` };
  }
  if (parsed.kind() === 'ipv6') {
    const v4 = embeddedIpv4(parsed as ipaddr.IPv6);
    if (v4) {
      const inner = judgeAddress(v4.toString(), allowPrivate);
      return inner.allowed ? inner : { allowed: false, reason: `${text} embeds ${v4.toString()}: ${inner.reason}` };
    }
  }
  const range = parsed.range();
  if (range === 'unicast') return { allowed: true };
  if (allowPrivate && PRIVATE_RANGES.has(range)) return { allowed: true };
  const hint = PRIVATE_RANGES.has(range) ? ' (set ALLOW_PRIVATE_TARGETS=true to allow private targets)' : '';
  return { allowed: false, reason: `${text} is a ${range} address${hint}` };
}

/** True when the URL's host is an IP literal (WHATWG URL has already normalised 2130706433, 0x7f.1, …). */
export function literalHost(url: URL): string | undefined {
  const host = url.hostname;
  if (host.startsWith('[')) return host.slice(1, -1);
  return ipaddr.IPv4.isValidFourPartDecimal(host) ? host : undefined;
}

/** Judges a service URI by what can be known without DNS: its literal host, or a name that is always local. */
export function judgeServiceUri(uri: string, allowPrivate: boolean): TargetVerdict {
  const url = new URL(uri);
  const literal = literalHost(url);
  if (literal) return judgeAddress(literal, allowPrivate);
  const name = url.hostname.toLowerCase().replace(/\.$/, '');
  if (!allowPrivate && (name === 'localhost' || name.endsWith('.localhost'))) {
    return { allowed: false, reason: `${name} is this machine (set ALLOW_PRIVATE_TARGETS=true to allow private targets)` };
  }
  if (name === 'metadata.google.internal' || name === 'metadata') return { allowed: false, reason: `${name} is a cloud metadata host` };
  return { allowed: true };
}
