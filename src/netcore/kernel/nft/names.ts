import { UsageError } from '../../errors.js';

export const NFT_FAMILIES = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'] as const;
export type NftFamily = (typeof NFT_FAMILIES)[number];

// what nft's scanner takes unquoted as a table, chain or set name (iptables chains such as DOCKER-USER included)
const NFT_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_./-]{0,255}$/;

export function isNftFamily(text: string): text is NftFamily {
  return (NFT_FAMILIES as readonly string[]).includes(text);
}

export function validateNftFamily(text: string): NftFamily {
  if (!isNftFamily(text)) throw new UsageError(`invalid nftables family "${text}": one of ${NFT_FAMILIES.join(', ')}`);
  return text;
}

/** A table or chain name before it reaches a command line (no quoting, no spaces, no option look-alikes). */
export function validateNftName(kind: string, name: string): string {
  if (!NFT_NAME_RE.test(name)) throw new UsageError(`invalid nftables ${kind} name "${name}"`);
  return name;
}

export function validateNftHandle(handle: number): number {
  if (!Number.isSafeInteger(handle) || handle < 1) throw new UsageError(`invalid nftables rule handle ${handle}`);
  return handle;
}
