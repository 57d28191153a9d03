/** Schema of the data tier's database (`database`): RDS PostgreSQL, read replicas and RDS Proxy. */
import { z } from 'zod';
import { describePostgresEngineVersions, isPostgresEngineVersion } from '../tables/engine-versions';
import { describeFamilies, rdsInstanceClass } from '../tables/instance-classes';
import { IN_PLACE, doc, int, logRetention, oneOf, range } from './common';

/** An RDS for PostgreSQL instance class of the table in `tables/instance-classes.ts`, without `db.`. */
const dbInstanceClass = z.string().superRefine((v, ctx) => {
  if (/^db\./.test(v) && rdsInstanceClass(v)) {
    ctx.addIssue({
      code: 'custom',
      input: v,
      message: `must be written without the db. prefix (${v.slice(3)}): the stack adds it`,
    });
  } else if (!/^[a-z0-9]+\.[a-z0-9]+$/.test(v) || !rdsInstanceClass(v)) {
    ctx.addIssue({
      code: 'custom',
      input: v,
      message: `is not an RDS for PostgreSQL instance class this stack offers (without the db. prefix, e.g. r7g.large); allowed families and sizes: ${describeFamilies('rds')}`,
    });
  }
});

/** Database names PostgreSQL or RDS create themselves (lower case). */
export const RESERVED_DATABASE_NAMES = ['postgres', 'template0', 'template1', 'rdsadmin'] as const;

/** Role names PostgreSQL or RDS reserve (lower case). */
const RESERVED_ROLE_NAMES = [
  'postgres',
  'rdsadmin',
  'admin',
  'root',
  'public',
  'none',
  'current_user',
  'session_user',
  'current_role',
];

export const PERFORMANCE_INSIGHTS_RETENTION = [7, ...range(31, 713, 31), 731] as const;

export const databaseSchema = z.strictObject({
  engineVersion: doc(
    z.string().refine(isPostgresEngineVersion, {
      message: `is not a PostgreSQL version RDS can create; allowed: a major version or one of its minors: ${describePostgresEngineVersions()}`,
    }),
    {
      description:
        'PostgreSQL version. A major version alone (e.g. 17) lets RDS pick the current minor, so it can always be created.',
      onChange:
        'minor: in-place upgrade with a restart; major: not allowed in place (plan a blue/green upgrade)',
    },
  ),
  instanceClass: doc(dbInstanceClass, {
    description: 'Instance class of the primary (Graviton by default).',
    onChange: 'in place: modifies the instance (brief failover with Multi-AZ, downtime without)',
  }),
  multiAz: doc(z.boolean(), {
    description: 'Synchronous standby in a second AZ for the primary.',
    onChange: 'in place (no downtime)',
  }),
  allocatedStorageGiB: doc(int(20, 65536), {
    description: 'Initial gp3 storage (GiB).',
    onChange: 'in place (grow only; RDS cannot shrink storage)',
  }),
  maxAllocatedStorageGiB: doc(int(20, 65536), {
    description: 'Ceiling for storage autoscaling (GiB); must be >= `allocatedStorageGiB`.',
    onChange: IN_PLACE,
  }),
  databaseName: doc(
    z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'must be a PostgreSQL identifier')
      .refine((v) => !(RESERVED_DATABASE_NAMES as readonly string[]).includes(v.toLowerCase()), {
        message: `must not be a database PostgreSQL or RDS creates itself (${RESERVED_DATABASE_NAMES.join(', ')})`,
      }),
    {
      description: 'Name of the database created on the primary.',
      onChange:
        'needs a new database instance: CloudFormation refuses (fixed instance name), the update fails and nothing is lost: choose it before the first deploy',
    },
  ),
  masterUsername: doc(
    z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/, 'must be 1-16 letters, digits or _ starting with a letter')
      // RDS reserves rdsadmin, rds_superuser and the other rds_* roles; PostgreSQL reserves pg_*
      // (https://www.postgresql.org/docs/current/predefined-roles.html).
      .refine((v) => !RESERVED_ROLE_NAMES.includes(v.toLowerCase()) && !/^(pg_|rds)/i.test(v), {
        message: `must not be a reserved name (${RESERVED_ROLE_NAMES.join(', ')}) or start with pg_ or rds (rds_superuser and the other RDS roles)`,
      }),
    {
      description: 'Master user name (its password is generated in Secrets Manager).',
      onChange:
        'needs a new database instance and secret: CloudFormation refuses (fixed instance name), the update fails and nothing is lost: choose it before the first deploy',
    },
  ),
  appUsername: doc(
    z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,15}$/, 'must be 1-16 lower-case letters, digits or _ starting with a letter')
      .refine((v) => !RESERVED_ROLE_NAMES.includes(v) && !/^(pg_|rds)/.test(v), {
        message: `must not be a reserved name (${RESERVED_ROLE_NAMES.join(', ')}) or start with pg_ or rds`,
      })
      .refine((v) => !/_(clone|owner)$/.test(v), {
        message:
          'must not end with _clone or _owner (the stack derives <name>_clone and <name>_owner from it)',
      }),
    {
      description:
        "Database user of the service (`DB_USERNAME`), with its own generated secret. A custom resource creates it with `<name>_clone` (the second user of the alternating-users rotation) and the NOLOGIN role `<name>_owner` that owns the application's objects; no superuser, CREATEROLE or CREATEDB.",
      onChange:
        'new secret and new roles; the tasks roll to the new user, the old roles and their objects stay (hand their objects over before dropping them)',
    },
  ),
  backupRetentionDays: doc(int(1, 35), {
    description: 'Automated backup retention (days). At least 1: read replicas need backups on the source.',
    onChange: IN_PLACE,
  }),
  preferredBackupWindow: doc(
    z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must be hh:mm-hh:mm in UTC'),
    { description: 'Daily backup window (UTC, at least 30 minutes).', onChange: IN_PLACE },
  ),
  preferredMaintenanceWindow: doc(
    z
      .string()
      .regex(
        /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/,
        'must be ddd:hh:mm-ddd:hh:mm in UTC, e.g. sun:04:00-sun:05:00',
      ),
    { description: 'Weekly maintenance window (UTC).', onChange: IN_PLACE },
  ),
  deletionProtection: doc(z.boolean(), {
    description: 'Refuse to delete the primary while set.',
    onChange: IN_PLACE,
  }),
  removalPolicy: doc(z.enum(['retain', 'snapshot', 'destroy']), {
    description:
      "What happens to the primary when the stack (or the instance) is deleted: `retain` keeps it running, `snapshot` deletes it after a final snapshot, `destroy` (only with `target: localstack`) deletes it. The storage KMS key, both secrets and the subnet group are kept unless `destroy`; the primary's two log groups are kept with `retain`. Read replicas and their log groups are always deleted: they hold no data of their own.",
    onChange: IN_PLACE,
  }),
  performanceInsightsRetentionDays: doc(
    z.number().refine((v) => (PERFORMANCE_INSIGHTS_RETENTION as readonly number[]).includes(v), {
      message: 'must be 7, a multiple of 31 up to 713, or 731',
    }),
    { description: 'Performance Insights retention (days).', onChange: IN_PLACE },
  ),
  monitoringIntervalSeconds: doc(oneOf([0, 1, 5, 10, 15, 30, 60] as const), {
    description: 'Enhanced monitoring interval (seconds); 0 turns it off.',
    onChange: IN_PLACE,
  }),
  slowQueryThresholdMs: doc(int(-1, 3_600_000), {
    description: 'Statements slower than this are logged (`log_min_duration_statement`); -1 turns it off.',
    onChange: 'in place (dynamic parameter, no restart)',
  }),
  logRetentionDays: doc(logRetention, {
    description: 'Retention of the exported PostgreSQL logs (days).',
    onChange: IN_PLACE,
  }),
  readReplicas: doc(int(0, 15), {
    description:
      'Number of read replicas (the app reads from them directly; RDS Proxy readers are Aurora-only).',
    onChange: 'adds or removes replicas only; the primary is untouched',
  }),
  replicaInstanceClass: doc(dbInstanceClass.optional(), {
    description: 'Instance class of the read replicas.',
    onChange: 'in place on each replica',
  }),
  proxy: z
    .strictObject({
      idleClientTimeoutSeconds: doc(int(1, 28800), {
        description: 'Seconds an idle client connection to the proxy stays open.',
        onChange: IN_PLACE,
      }),
      maxConnectionsPercent: doc(int(1, 100), {
        description: "Share of the database's max_connections the proxy may open.",
        onChange: IN_PLACE,
      }),
      maxIdleConnectionsPercent: doc(int(0, 100), {
        description: 'Share of max_connections the proxy keeps idle in its pool; <= `maxConnectionsPercent`.',
        onChange: IN_PLACE,
      }),
      connectionBorrowTimeoutSeconds: doc(int(0, 3600), {
        description: 'Seconds a client waits for a pooled connection before an error.',
        onChange: IN_PLACE,
      }),
    })
    .meta({ description: 'RDS Proxy (connection pooling in front of the primary).' }),
  rotationDays: doc(int(0, 365), {
    description:
      'Rotate both database secrets every N days: the master with single-user rotation, the service user with alternating-users (multi-user) rotation; 0 turns rotation off.',
    onChange: IN_PLACE,
  }),
});
