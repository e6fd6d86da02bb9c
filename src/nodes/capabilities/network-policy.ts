/**
 * Which hosts a node may reach. Under "deny" (production) a node cannot aim a request or a socket at
 * the machine it runs on, the operator's network or a cloud metadata endpoint; under "allow" (local
 * development and tests) it can, because that is where the developer's services are.
 *
 * Only the host as written is checked: Workers offers no DNS API, so a name that resolves to a private
 * address (a DNS-rebinding name, or a record pointing at 10.0.0.1) is not caught here. On Cloudflare
 * that gap is covered by the platform itself: fetch subrequests "can only be made to URLs, not to IP
 * addresses directly" and leave from the edge onto the public Internet
 * (https://developers.cloudflare.com/workers/platform/known-issues/#fetch-to-ip-addresses), and the
 * Sockets API refuses "Cloudflare IPs, localhost, and private network IPs" and port 25
 * (https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/#troubleshooting). This check
 * makes the same refusals visible as a clear, non-retryable error on every runtime, including the
 * self-hosted ones where nothing else would stop them.
 */
export type PrivateNetworkPolicy = "allow" | "deny";

export type HostCheck =
  | { ok: true; hostname: string }
  | { ok: false; reason: "invalid_url" | "unsupported_protocol" | "invalid_host"; message: string }
  | { ok: false; reason: "address_not_allowed"; hostname: string; message: string };

/**
 * Checks an absolute http(s) URL. The hostname tested is the one WHATWG URL parsing produces, which is
 * also what fetch connects to: `http://2130706433/`, `http://0x7f.1/` and `http://127.1/` all become
 * 127.0.0.1, and IPv6 literals are compressed to one spelling. Messages name the host only, never the
 * path or query, which may carry credentials.
 */
export function checkUrl(url: string | URL, policy: PrivateNetworkPolicy): HostCheck {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url) : url;
  } catch {
    return { ok: false, reason: "invalid_url", message: "The URL is not absolute or cannot be parsed" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { ok: false, reason: "unsupported_protocol", message: `Only http and https URLs can be requested, not ${parsed.protocol}` };
  }
  return checkNormalisedHost(parsed.hostname, policy);
}

/**
 * Checks a bare host as given to a socket connect (a name, an IPv4 address in any spelling URL parsing
 * accepts, or an IPv6 address with or without brackets). On success `hostname` is the normalised form,
 * which is what the caller must connect to, so that the host checked is the host reached.
 */
export function checkHost(host: string, policy: PrivateNetworkPolicy): HostCheck {
  // Anything that would make URL parsing read part of the string as userinfo, port, path or query.
  if (host === "" || /[\s/\\?#@]/.test(host)) {
    return { ok: false, reason: "invalid_host", message: "The host is empty or is not a bare host name or address" };
  }
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  let parsed: URL;
  try {
    parsed = new URL(`http://${bracketed}/`);
  } catch {
    return { ok: false, reason: "invalid_host", message: "The host is not a valid host name or address" };
  }
  if (parsed.port !== "" || parsed.username !== "" || parsed.pathname !== "/") {
    return { ok: false, reason: "invalid_host", message: "The host is not a bare host name or address" };
  }
  return checkNormalisedHost(parsed.hostname, policy);
}

function checkNormalisedHost(hostname: string, policy: PrivateNetworkPolicy): HostCheck {
  if (policy === "allow" || !isPrivateHost(hostname)) return { ok: true, hostname };
  return {
    ok: false,
    reason: "address_not_allowed",
    hostname,
    message: `Requests to ${hostname} are not allowed: it is a local, private or reserved address`,
  };
}

/**
 * Whether a hostname, as normalised by URL parsing, names this machine, a private network or a
 * reserved range. Unparseable address literals count as private (fail closed).
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host.startsWith("[")) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups === null || isPrivateIpv6(groups);
  }
  const ipv4 = parseDottedIpv4(host);
  return ipv4 !== null && isPrivateIpv4(ipv4);
}

/** [network, prefix length]; addresses as unsigned 32-bit numbers. */
const PRIVATE_IPV4: readonly (readonly [number, number])[] = [
  [ipv4(0, 0, 0, 0), 8], // "this network", including the unspecified 0.0.0.0
  [ipv4(10, 0, 0, 0), 8], // private
  [ipv4(100, 64, 0, 0), 10], // carrier-grade NAT
  [ipv4(127, 0, 0, 0), 8], // loopback
  [ipv4(169, 254, 0, 0), 16], // link-local, including cloud metadata endpoints (169.254.169.254)
  [ipv4(172, 16, 0, 0), 12], // private
  [ipv4(192, 0, 0, 0), 24], // IETF protocol assignments
  [ipv4(192, 168, 0, 0), 16], // private
  [ipv4(198, 18, 0, 0), 15], // benchmarking
  [ipv4(224, 0, 0, 0), 4], // multicast
  [ipv4(240, 0, 0, 0), 4], // reserved, including broadcast 255.255.255.255
];

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function isPrivateIpv4(address: number): boolean {
  return PRIVATE_IPV4.some(([network, bits]) => address >>> (32 - bits) === network >>> (32 - bits));
}

/** URL parsing has already turned every IPv4 spelling into four decimal parts; anything else is a name. */
function parseDottedIpv4(host: string): number | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return null;
  const parts = match.slice(1).map(Number);
  if (parts.some((part) => part > 255)) return null;
  return ipv4(parts[0]!, parts[1]!, parts[2]!, parts[3]!);
}

/**
 * Eight 16-bit groups, or null. Takes the form URL parsing serialises (lowercase hex, `::` compression,
 * never a dotted IPv4 tail), which is the only form this module sees.
 */
function parseIpv6(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const explicit = head.length + rest.length;
  if (halves.length === 1) return explicit === 8 ? head : null;
  if (explicit > 7) return null;
  return [...head, ...new Array<number>(8 - explicit).fill(0), ...rest];
}

function isPrivateIpv6(g: number[]): boolean {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const embedded = ((g6 << 16) | g7) >>> 0;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0) {
    // :: (unspecified), ::1 (loopback), and the deprecated IPv4-compatible ::a.b.c.d.
    return g6 === 0 || isPrivateIpv4(embedded);
  }
  if (upperZero && g5 === 0xffff) return isPrivateIpv4(embedded); // IPv4-mapped ::ffff:a.b.c.d
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPrivateIpv4(embedded); // NAT64
  if (g0 === 0x2002) return isPrivateIpv4(((g1 << 16) | g2) >>> 0); // 6to4 carries the IPv4 address in bits 16-47
  if ((g0 & 0xfe00) === 0xfc00) return true; // unique-local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return true; // site-local fec0::/10 (deprecated, still routed privately)
  if ((g0 & 0xff00) === 0xff00) return true; // multicast ff00::/8
  return false;
}
