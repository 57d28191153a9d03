/**
 * PostgreSQL versions RDS can create, for `database.engineVersion`: a major version alone (RDS picks
 * its current minor) or one of the minors below.
 *
 * Sources (checked 2026-12): the versions aws-cdk-lib's `rds.PostgresEngineVersion` lists (kept in
 * step with `aws rds describe-db-engine-versions --engine postgres`), minus the minors RDS stopped
 * creating on 2026-05-01 (14.17, 15.12, 16.8, 17.4 and older: RDS for PostgreSQL end of standard
 * support notice; release calendar https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html).
 */
export const POSTGRES_ENGINE_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  '14': ['14.18', '14.19', '14.20', '14.21', '14.22'],
  '15': ['15.13', '15.14', '15.15', '15.16', '15.17'],
  '16': ['16.9', '16.10', '16.11', '16.12', '16.13'],
  '17': ['17.5', '17.6', '17.7', '17.8', '17.9'],
  '18': ['18.1', '18.2', '18.3'],
};

export function isPostgresEngineVersion(value: string): boolean {
  const major = value.split('.')[0];
  const minors = POSTGRES_ENGINE_VERSIONS[major];
  return minors !== undefined && (value === major || minors.includes(value));
}

export function describePostgresEngineVersions(): string {
  return Object.entries(POSTGRES_ENGINE_VERSIONS)
    .map(([major, minors]) => `${major} (or ${minors.join(', ')})`)
    .join('; ');
}
