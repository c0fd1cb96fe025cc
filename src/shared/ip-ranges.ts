import { BlockList, isIP } from 'node:net';

/**
 * Lists of addresses and CIDR ranges, as TRUSTED_PROXIES names them: `10.0.0.5`, `10.0.0.0/8`,
 * `::1`, `fd00::/8`, and the words `loopback` (127.0.0.0/8 and ::1) and `none` (an empty list).
 * Parsed once at start-up (config validates with the same parser) and matched with node's
 * BlockList, which needs no dependency.
 */

export interface IpRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

const LOOPBACK: IpRange[] = [
  { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { address: '::1', prefix: 128, family: 'ipv6' },
];

/** The ranges a list names, or the first entry that is not an address, a range or a known word. */
export function parseIpRanges(entries: readonly string[]): { ranges: IpRange[] } | { bad: string } {
  const ranges: IpRange[] = [];
  for (const raw of entries) {
    const e = raw.trim();
    if (e === '' || e === 'none') continue;
    if (e === 'loopback') {
      ranges.push(...LOOPBACK);
      continue;
    }
    const slash = e.indexOf('/');
    const address = slash === -1 ? e : e.slice(0, slash);
    const v = isIP(address);
    if (v === 0) return { bad: e };
    const max = v === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(max) : e.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return { bad: e };
    ranges.push({ address, prefix: Number(prefixText), family: v === 4 ? 'ipv4' : 'ipv6' });
  }
  return { ranges };
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) as `1.2.3.4`; anything else unchanged. */
export function plainAddress(ip: string): string {
  return ip.length > 7 && ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** Whether an address falls in one of the ranges; not an address at all is never in them. */
export function ipMatcher(ranges: readonly IpRange[]): (ip: string) => boolean {
  if (ranges.length === 0) return () => false;
  const list = new BlockList();
  for (const r of ranges) list.addSubnet(r.address, r.prefix, r.family);
  return (ip) => {
    const a = plainAddress(ip);
    const v = isIP(a);
    return v !== 0 && list.check(a, v === 4 ? 'ipv4' : 'ipv6');
  };
}
