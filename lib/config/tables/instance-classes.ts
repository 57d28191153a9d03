/**
 * The RDS for PostgreSQL instance classes and ElastiCache node types this stack accepts, with their
 * memory: the schema validates `database.instanceClass`, `database.replicaInstanceClass` and
 * `cache.nodeType` against them, the alarms derive `max_connections` from the memory, and the plan
 * prices every entry (lib/plan/prices.json holds one base price per family).
 *
 * Sources (sizes and memory, checked 2026-12):
 * - RDS: "Hardware specifications for DB instance classes" and "Supported DB engines for DB instance
 *   classes" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html);
 *   general purpose (m) classes have 4 GiB per vCPU, memory optimized (r) 8 GiB per vCPU.
 * - ElastiCache: "Supported node types" (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html)
 *   and the CacheNode API reference (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheNode.html).
 * The tables list the current-generation families only; older or special families (db.x2g, r6gd data
 * tiering, d variants with local NVMe) are refused with the list of what is accepted.
 */

/** vCPUs of the sizes of the fixed-ratio (m, r) families: large = 2, each step doubles, then 12x/16x/... */
const VCPUS: Readonly<Record<string, number>> = {
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '12xlarge': 48,
  '16xlarge': 64,
  '24xlarge': 96,
  '32xlarge': 128,
  '48xlarge': 192,
};

/** Burstable sizes: vCPUs and memory (GiB). */
const BURSTABLE: Readonly<Record<string, { vcpus: number; gib: number }>> = {
  micro: { vcpus: 2, gib: 1 },
  small: { vcpus: 2, gib: 2 },
  medium: { vcpus: 2, gib: 4 },
  large: { vcpus: 2, gib: 8 },
  xlarge: { vcpus: 4, gib: 16 },
  '2xlarge': { vcpus: 8, gib: 32 },
};

export interface ClassSpec {
  /** Full name as AWS writes it, e.g. `db.r7g.2xlarge` or `cache.r7g.large`. */
  readonly name: string;
  readonly family: string;
  readonly size: string;
  readonly vcpus: number;
  /** Nominal memory (GiB). */
  readonly memoryGiB: number;
}

type FamilySizes = Readonly<Record<string, readonly string[]>>;

const FIXED_UP_TO_16X = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];
const FIXED_UP_TO_24X = [...FIXED_UP_TO_16X, '24xlarge'];
const FIXED_UP_TO_32X = [...FIXED_UP_TO_24X, '32xlarge'];
const FIXED_UP_TO_48X = [...FIXED_UP_TO_24X, '48xlarge'];
const BURSTABLE_ALL = Object.keys(BURSTABLE);

/** RDS for PostgreSQL: family -> sizes (source above). */
const RDS_FAMILIES: FamilySizes = {
  t3: BURSTABLE_ALL,
  t4g: BURSTABLE_ALL,
  m5: FIXED_UP_TO_24X,
  m6g: FIXED_UP_TO_16X,
  m6i: FIXED_UP_TO_32X,
  m7g: FIXED_UP_TO_16X,
  m8g: FIXED_UP_TO_48X,
  r5: FIXED_UP_TO_24X,
  r6g: FIXED_UP_TO_16X,
  r6i: FIXED_UP_TO_32X,
  r7g: FIXED_UP_TO_16X,
  r8g: FIXED_UP_TO_48X,
};

/** ElastiCache (Redis OSS and Valkey): family -> sizes (source above). */
const CACHE_FAMILIES: FamilySizes = {
  t3: ['micro', 'small', 'medium'],
  t4g: ['micro', 'small', 'medium'],
  m5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m6g: FIXED_UP_TO_16X,
  m7g: FIXED_UP_TO_16X,
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  r6g: FIXED_UP_TO_16X,
  r7g: FIXED_UP_TO_16X,
};

/**
 * ElastiCache burstable node memory differs from the RDS classes of the same name (GiB, from the
 * node type table: cache.t4g.micro 0.5, small 1.37, medium 3.09; the t3 nodes the same).
 */
const CACHE_BURSTABLE_GIB: Readonly<Record<string, number>> = { micro: 0.5, small: 1.37, medium: 3.09 };

function expand(prefix: string, families: FamilySizes, burstableGiB?: Readonly<Record<string, number>>) {
  const out: ClassSpec[] = [];
  for (const [family, sizes] of Object.entries(families)) {
    const perVcpu = family.startsWith('r') ? 8 : 4;
    for (const size of sizes) {
      const burst = BURSTABLE[size] && family.startsWith('t');
      out.push({
        name: `${prefix}.${family}.${size}`,
        family,
        size,
        vcpus: burst ? BURSTABLE[size].vcpus : VCPUS[size],
        memoryGiB: burst ? (burstableGiB?.[size] ?? BURSTABLE[size].gib) : VCPUS[size] * perVcpu,
      });
    }
  }
  return out;
}

export const RDS_INSTANCE_CLASSES: readonly ClassSpec[] = expand('db', RDS_FAMILIES);
export const CACHE_NODE_TYPES: readonly ClassSpec[] = expand('cache', CACHE_FAMILIES, CACHE_BURSTABLE_GIB);

const RDS_BY_NAME = new Map(RDS_INSTANCE_CLASSES.map((c) => [c.name, c]));
const CACHE_BY_NAME = new Map(CACHE_NODE_TYPES.map((c) => [c.name, c]));

/** The RDS class of a config value (`r7g.large` or `db.r7g.large`), or undefined when not in the table. */
export function rdsInstanceClass(value: string): ClassSpec | undefined {
  return RDS_BY_NAME.get(value.startsWith('db.') ? value : `db.${value}`);
}

/** The ElastiCache node type (`cache.r7g.large`), or undefined when not in the table. */
export function cacheNodeType(value: string): ClassSpec | undefined {
  return CACHE_BY_NAME.get(value);
}

/** "t4g: micro, small, ...; r7g: large, ..." for error messages. */
export function describeFamilies(kind: 'rds' | 'cache'): string {
  const families = kind === 'rds' ? RDS_FAMILIES : CACHE_FAMILIES;
  return Object.entries(families)
    .map(([f, sizes]) => `${f} (${sizes.join(', ')})`)
    .join('; ');
}
