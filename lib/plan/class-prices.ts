/**
 * Prices of every RDS instance class and ElastiCache node type the config accepts
 * (lib/config/tables/instance-classes.ts), so "a bigger database" or "a bigger cache" is one
 * `npm run plan -- -c ...` away.
 *
 * `prices.json` holds at least one recorded line per family (`rds.postgres.db.<family>.<size>.hour`,
 * `elasticache.cache.<family>.<size>.hour`). Another size of the family is derived from the recorded
 * size nearest to it in capacity: AWS prices the sizes of an RDS or ElastiCache family roughly in
 * proportion to their capacity (each size up about doubles the hourly rate: large, xlarge, 2xlarge, ...;
 * burstable micro, small, medium, ... likewise; see the on-demand tables of
 * https://aws.amazon.com/rds/postgresql/pricing/ and https://aws.amazon.com/elasticache/pricing/).
 * But each size's rate is rounded on its own (the AWS Price List gives cache.r7g.xlarge 0.437,
 * not 2 x 0.219), so a size whose listed rate is known and differs has a line of its own, and the
 * nearest base keeps the rounding error of the others small. A derived line says which line it was
 * scaled from.
 */
import type { PriceBook, PriceLine } from './types';
import { ClassSpec, cacheNodeType, rdsInstanceClass } from '../config/tables/instance-classes';

const RDS_KEY = /^rds\.postgres\.(db\.[a-z0-9]+\.[a-z0-9]+)\.hour$/;
/** `elasticache.cache.<type>.hour` (Redis OSS) or `elasticache.valkey.cache.<type>.hour` (Valkey). */
const CACHE_KEY = /^elasticache\.(valkey\.)?(cache\.[a-z0-9]+\.[a-z0-9]+)\.hour$/;

/** Relative capacity of a size within its family: vCPUs for fixed-ratio families, memory for burstable. */
function capacity(spec: ClassSpec): number {
  return spec.family.startsWith('t') ? BURSTABLE_STEP[spec.size] : spec.vcpus;
}
/** Burstable sizes double in price at each step (micro 1 ... 2xlarge 32). */
const BURSTABLE_STEP: Readonly<Record<string, number>> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  '2xlarge': 32,
};

/** The recorded line of `key`, or one derived from a recorded size of the same family. */
export function priceLine(prices: PriceBook, key: string): PriceLine | undefined {
  const recorded = prices.prices[key];
  if (recorded) return recorded;
  const rds = RDS_KEY.exec(key);
  const cache = CACHE_KEY.exec(key);
  const spec = rds ? rdsInstanceClass(rds[1]) : cache ? cacheNodeType(cache[2]) : undefined;
  if (!spec) return undefined;
  const lookup = rds ? rdsInstanceClass : cacheNodeType;
  // A size is scaled from a recorded size of the same family and the same engine's rates.
  const [prefix, suffix] = rds ? ['rds.postgres.', '.hour'] : [`elasticache.${cache?.[1] ?? ''}`, '.hour'];
  const distance = (b: ClassSpec) => Math.abs(Math.log(capacity(spec) / capacity(b)));
  // The recorded size nearest in capacity (the smaller one on a tie), so the scaling factor is small.
  const base = Object.keys(prices.prices)
    .filter((k) => k.startsWith(prefix) && k.endsWith(suffix))
    .map((k) => ({ key: k, spec: lookup(k.slice(prefix.length, -suffix.length)) }))
    .filter((b): b is { key: string; spec: ClassSpec } => b.spec?.family === spec.family)
    .sort((a, b) => distance(a.spec) - distance(b.spec) || capacity(a.spec) - capacity(b.spec))[0];
  if (!base) return undefined;
  const line = prices.prices[base.key];
  const factor = capacity(spec) / capacity(base.spec);
  return {
    usd: Number((line.usd * factor).toPrecision(6)),
    unit: line.unit,
    status: 'derived',
    source: `derived: ${base.key} (${line.usd} USD, ${line.status}) x ${factor} (the sizes of a family are priced about in proportion to their capacity)`,
    awsPage: line.awsPage,
    date: line.date,
  };
}

/** vCPUs of an RDS instance class (RDS Proxy and Performance Insights bill per vCPU). */
export function rdsVcpus(instanceClass: string): number | undefined {
  return rdsInstanceClass(instanceClass)?.vcpus;
}
