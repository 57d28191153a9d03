/**
 * The SQL that provisions the application's database roles, built as plain strings so that it can
 * be unit-tested and run, unchanged, against a real PostgreSQL in the integration tests.
 *
 * Ownership design (works with Secrets Manager's alternating-users rotation):
 * - `<app>_owner` (NOLOGIN) owns everything the application creates and holds its privileges on
 *   the database (CONNECT, TEMPORARY, CREATE = create schemas) and on schema `public` (USAGE, CREATE).
 * - `<app>` and `<app>_clone` are the two login roles the rotation alternates between. Both are
 *   members of the owner role (INHERIT) and both have `role = <app>_owner` as their per-database
 *   setting, so every session of either user acts as the owner: a table created while `<app>` is
 *   current stays usable and alterable after the rotation hands `<app>_clone` to the tasks.
 * - The clone is created here, without a password (it cannot log in until the first rotation sets
 *   one), because the rotation function only sets the password of a clone that exists. When it has
 *   to create the clone itself it runs `CREATE ROLE <clone> WITH LOGIN PASSWORD ...` and
 *   `GRANT <current user> TO <clone>`, which gives the clone the privileges but not the
 *   `role` setting, so objects it created would belong to the clone, not the owner.
 *   (aws-samples/aws-secrets-manager-rotation-lambdas,
 *   SecretsManagerRDSPostgreSQLRotationMultiUser/lambda_function.py, set_secret)
 * Nothing else: no SUPERUSER, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS, no membership in
 * `rds_superuser` or any predefined role.
 */

/** Suffix the multi-user rotation function appends to the user name for the second user. */
export const CLONE_SUFFIX = '_clone';
/** Suffix of the NOLOGIN role that owns the application's objects. */
export const OWNER_SUFFIX = '_owner';

/** The three roles derived from the configured application user name. */
export interface AppRoleNames {
  /** The login role the app secret starts with (`database.appUsername`). */
  readonly login: string;
  /** The second login role of the alternating-users rotation (`<login>_clone`). */
  readonly clone: string;
  /** The NOLOGIN role that owns the application's objects (`<login>_owner`). */
  readonly owner: string;
}

export function appRoleNames(login: string): AppRoleNames {
  return { login, clone: `${login}${CLONE_SUFFIX}`, owner: `${login}${OWNER_SUFFIX}` };
}

/** PostgreSQL identifier quoting (as `quote_ident` does): double quotes, embedded ones doubled. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 63 || name.includes('\0')) {
    throw new Error(`not a PostgreSQL identifier: ${JSON.stringify(name)}`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * PostgreSQL string literal (as `quote_literal` does, with standard_conforming_strings on, the
 * default since 9.1): single quotes doubled; a backslash switches to the E'' form.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a PostgreSQL string cannot contain NUL');
  const quoted = `'${value.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`;
  return value.includes('\\') ? `E${quoted}` : quoted;
}

/** What the roles currently look like, read from `pg_roles` before any change. */
export interface ExistingRoles {
  /** Names (of the three) that exist. */
  readonly existing: ReadonlySet<string>;
}

export interface ProvisionInput {
  readonly names: AppRoleNames;
  /** The database the application owns its schema in (`database.databaseName`). */
  readonly databaseName: string;
  /**
   * Password of the login role, used only when that role does not exist yet (first deployment):
   * an existing role keeps its password, which the rotation may have changed since.
   */
  readonly initialPassword: string;
  /** Roles that already exist. */
  readonly existing: ReadonlySet<string>;
}

/**
 * The statements that create the roles (those missing) and (re-)apply their attributes and grants.
 * Every statement is idempotent, so the list can run on every deployment.
 */
export function provisionStatements(input: ProvisionInput): string[] {
  const { names, databaseName, initialPassword, existing } = input;
  const owner = quoteIdent(names.owner);
  const login = quoteIdent(names.login);
  const clone = quoteIdent(names.clone);
  const db = quoteIdent(databaseName);
  const out: string[] = [];

  if (!existing.has(names.owner)) out.push(`CREATE ROLE ${owner} NOLOGIN`);
  if (!existing.has(names.login))
    out.push(`CREATE ROLE ${login} LOGIN PASSWORD ${quoteLiteral(initialPassword)}`);
  // Without a password: no one can log in as the clone until the rotation sets one.
  if (!existing.has(names.clone)) out.push(`CREATE ROLE ${clone} LOGIN`);

  // Attributes a CREATEROLE (non-superuser) master may set; SUPERUSER, REPLICATION and BYPASSRLS
  // are checked instead (see ROLE_ATTRIBUTE_CHECK), since only a superuser may even name them.
  out.push(`ALTER ROLE ${owner} NOLOGIN NOCREATEDB NOCREATEROLE INHERIT`);
  for (const user of [login, clone]) {
    out.push(`ALTER ROLE ${user} LOGIN NOCREATEDB NOCREATEROLE INHERIT`);
    out.push(`GRANT ${owner} TO ${user}`);
    // Every session acts as the owner, so whatever either user creates belongs to the owner.
    out.push(`ALTER ROLE ${user} IN DATABASE ${db} SET role = ${quoteLiteral(names.owner)}`);
  }

  out.push(`GRANT CONNECT, TEMPORARY, CREATE ON DATABASE ${db} TO ${owner}`);
  // PostgreSQL 15+ no longer lets PUBLIC create in schema public: the owner role gets it explicitly.
  out.push(`GRANT USAGE, CREATE ON SCHEMA public TO ${owner}`);
  // Query statistics for the first scaling lever (query optimization); the parameter group preloads
  // the library. Each role sees the text of its own statements only: no pg_read_all_stats, which
  // would also show the master's statements and every session in pg_stat_activity.
  out.push('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return out;
}

/** Reads which of the three roles exist (parameter $1: text[] of names). */
export const EXISTING_ROLES_QUERY = 'SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])';

/**
 * Returns the names (of $1) that carry a forbidden attribute or membership: a role created by
 * someone else before the first deployment must not silently keep superuser-like rights.
 */
export const ROLE_ATTRIBUTE_CHECK = `
SELECT r.rolname
  FROM pg_roles r
 WHERE r.rolname = ANY($1::text[])
   AND (r.rolsuper OR r.rolreplication OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb
        OR EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                    WHERE m.member = r.oid AND g.rolname <> ALL($1::text[])))`;

/**
 * Statements that remove the roles and everything they own, for `removalPolicy: destroy` only.
 * The master first makes itself a member of each role (it holds ADMIN OPTION on roles it created),
 * because DROP OWNED needs the privileges of the role whose objects it drops.
 */
export function dropStatements(
  names: AppRoleNames,
  existing: ReadonlySet<string>,
  others: readonly string[] = [],
): string[] {
  const present = [names.login, names.clone, names.owner, ...others].filter((n) => existing.has(n));
  if (present.length === 0) return [];
  const list = present.map(quoteIdent).join(', ');
  return [
    ...present.map((n) => `GRANT ${quoteIdent(n)} TO CURRENT_USER`),
    `DROP OWNED BY ${list}`,
    `DROP ROLE ${list}`,
  ];
}

/** Suffix of the statistics-only login role the query advisor connects as. */
export const MONITOR_SUFFIX = '_monitor';

/** The query advisor's role: `<app user>_monitor`. */
export function monitorRoleName(appUsername: string): string {
  return `${appUsername}${MONITOR_SUFFIX}`;
}

/**
 * The query advisor's login role: a member of the predefined role `pg_monitor` and nothing else,
 * so it reads every statistics view (pg_stat_statements of all users, pg_stat_activity, the
 * settings) and no table data (PostgreSQL docs, "Predefined Roles": pg_monitor = pg_read_all_settings
 * + pg_read_all_stats + pg_stat_scan_tables). Its sessions default to read-only. The password is
 * (re-)set from the role's own secret on every run, so the secret stays the one source of truth.
 */
export function monitorStatements(
  monitor: string,
  databaseName: string,
  password: string,
  exists: boolean,
): string[] {
  const role = quoteIdent(monitor);
  return [
    exists
      ? `ALTER ROLE ${role} LOGIN PASSWORD ${quoteLiteral(password)}`
      : `CREATE ROLE ${role} LOGIN PASSWORD ${quoteLiteral(password)}`,
    `ALTER ROLE ${role} NOCREATEDB NOCREATEROLE INHERIT CONNECTION LIMIT 5`,
    // RDS's master grants pg_monitor to monitoring users (github.com/prometheus-community/postgres_exporter/issues/611);
    // PostgreSQL 16+ asks the grantor for ADMIN OPTION on it (rds_superuser's, per the RDS User Guide's
    // rds_superuser page: "grant privileges to users").
    `GRANT pg_monitor TO ${role}`,
    `GRANT CONNECT ON DATABASE ${quoteIdent(databaseName)} TO ${role}`,
    `ALTER ROLE ${role} SET default_transaction_read_only = on`,
  ];
}

/**
 * Returns the monitoring role ($1) when it carries a forbidden attribute or a membership other than
 * pg_monitor: the advisor's role must never be able to read or change data.
 */
export const MONITOR_ATTRIBUTE_CHECK = `
SELECT r.rolname
  FROM pg_roles r
 WHERE r.rolname = $1
   AND (r.rolsuper OR r.rolreplication OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb
        OR EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                    WHERE m.member = r.oid AND g.rolname <> 'pg_monitor'))`;
