/**
 * Prices of every RDS instance class and ElastiCache node type the config accepts
 * (lib/config/tables/instance-classes.ts), so "a bigger database" or "a bigger cache" is one
 * `npm run plan -- -c ...` away.
 *
 * `prices.json` holds at least one recorded line per family (`rds.postgres.db.<family>.<size>.hour`,
 * `elasticache.cache.<family>.<size>.hour`). Another size of the family is derived from it: AWS prices
 * the sizes of an RDS or ElastiCache family in proportion to their capacity (each size up doubles the
 * hourly rate: large, xlarge, 2xlarge, ...; burstable micro, small, medium, ... likewise; see the
 * on-demand tables of https://aws.amazon.com/rds/postgresql/pricing/ and
 * https://aws.amazon.com/elasticache/pricing/). A derived line says which line it was scaled from.
 */
import type { PriceBook, PriceLine } from './cost';
import { ClassSpec, cacheNodeType, rdsInstanceClass } from '../config/tables/instance-classes';

const RDS_KEY = /^rds\.postgres\.(db\.[a-z0-9]+\.[a-z0-9]+)\.hour$/;
const CACHE_KEY = /^elasticache\.(cache\.[a-z0-9]+\.[a-z0-9]+)\.hour$/;

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
  const spec = rds ? rdsInstanceClass(rds[1]) : cache ? cacheNodeType(cache[1]) : undefined;
  if (!spec) return undefined;
  const lookup = rds ? rdsInstanceClass : cacheNodeType;
  const [prefix, suffix] = rds ? ['rds.postgres.', '.hour'] : ['elasticache.', '.hour'];
  const base = Object.keys(prices.prices)
    .filter((k) => k.startsWith(prefix) && k.endsWith(suffix))
    .map((k) => ({ key: k, spec: lookup(k.slice(prefix.length, -suffix.length)) }))
    .find((b) => b.spec?.family === spec.family);
  if (!base?.spec) return undefined;
  const line = prices.prices[base.key];
  const factor = capacity(spec) / capacity(base.spec);
  return {
    usd: Number((line.usd * factor).toPrecision(6)),
    unit: line.unit,
    status: 'derived',
    source: `derived: ${base.key} (${line.usd} USD, ${line.status}) x ${factor} (the sizes of a family are priced in proportion to their capacity)`,
    awsPage: line.awsPage,
    date: line.date,
  };
}

/** vCPUs of an RDS instance class (RDS Proxy and Performance Insights bill per vCPU). */
export function rdsVcpus(instanceClass: string): number | undefined {
  return rdsInstanceClass(instanceClass)?.vcpus;
}
