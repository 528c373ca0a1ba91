import ipaddr from 'ipaddr.js';

/**
 * Addresses a request from inside our network must not reach on a user's behalf: everything that is not
 * ordinary public unicast. ipaddr.js names the special ranges (loopback, private, linkLocal, uniqueLocal,
 * carrierGradeNat, multicast, unspecified, broadcast, reserved, and the IPv6 ranges that embed an IPv4
 * address such as 6to4 and NAT64); only 'unicast' passes. Cloud metadata services live in such ranges
 * (169.254.169.254 link-local, fd00:ec2::254 unique-local, 100.100.100.200 CGNAT) and are named as such.
 */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200']);

/** The kind of address `ip` is when it must be refused ('loopback', 'private', 'metadata', ...), or null when it is public. */
export function forbiddenAddressKind(ip: string): string | null {
  if (!ipaddr.isValid(ip)) return 'invalid';
  let address = ipaddr.parse(ip);
  // ::ffff:127.0.0.1 reaches 127.0.0.1: judge the IPv4 address inside
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
  }
  if (METADATA_ADDRESSES.has(address.toString())) return 'metadata';
  const range = address.range();
  return range === 'unicast' ? null : range;
}

/** One operator-allowed destination: a host name or address, with or without a port. */
export interface AllowedHost {
  host: string;
  port?: number;
}

/** Lower case, brackets off, IP addresses in one spelling, so that the allow-list and a URL compare equal. */
export function normaliseHost(host: string): string {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return ipaddr.isValid(bare) ? ipaddr.process(bare).toString() : bare;
}

/**
 * Reads the operator's allow-list, comma-separated: `host`, `host:port`, `10.0.0.5`, `[::1]:8080`.
 * Meant for the caller's config schema (a bad entry throws with the entry named, so the process stops at start).
 */
export function parseAllowedHosts(value: string): AllowedHost[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(parseAllowedHost);
}

function parseAllowedHost(entry: string): AllowedHost {
  let host = entry;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) [, host = '', portText] = bracketed;
  else if (entry.split(':').length === 2) [host = '', portText] = entry.split(':'); // a bare IPv6 address has no port
  const port = portText === undefined ? undefined : Number(portText);
  const badPort = port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535);
  if (host === '' || /[/\s@\[\]]/.test(host) || badPort || (host.includes(':') && !ipaddr.IPv6.isValid(host))) {
    throw new Error(`"${entry}" is not a host, host:port or [IPv6]:port`);
  }
  return port === undefined ? { host: normaliseHost(host) } : { host: normaliseHost(host), port };
}

export function isAllowedHost(allowed: readonly AllowedHost[], hostname: string, port: number): boolean {
  const host = normaliseHost(hostname);
  return allowed.some((entry) => entry.host === host && (entry.port === undefined || entry.port === port));
}
