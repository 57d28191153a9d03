import {
  appRoleNames,
  dropStatements,
  provisionStatements,
  quoteIdent,
  quoteLiteral,
} from '../../../lambda/db-app-role/sql';

const names = appRoleNames('app');
const ALL = new Set([names.login, names.clone, names.owner]);

describe('quoting', () => {
  test.each([
    ['app', '"app"'],
    ['Mixed', '"Mixed"'],
    ['with"quote', '"with""quote"'],
    ['drop table x; --', '"drop table x; --"'],
  ])('identifier %j is quoted as %s', (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });

  test('an empty, over-long or NUL-containing identifier is refused', () => {
    expect(() => quoteIdent('')).toThrow(/not a PostgreSQL identifier/);
    expect(() => quoteIdent('x'.repeat(64))).toThrow(/not a PostgreSQL identifier/);
    expect(() => quoteIdent('a\0b')).toThrow(/not a PostgreSQL identifier/);
  });

  test.each([
    ['pa55word', "'pa55word'"],
    ["it's", "'it''s'"],
    ['back\\slash', "E'back\\\\slash'"],
  ])('literal %j is quoted as %s', (value, quoted) => {
    expect(quoteLiteral(value)).toBe(quoted);
  });
});

describe('provisioning statements', () => {
  test('GIVEN a fresh database THEN the three roles are created, the login role with the password', () => {
    const sql = provisionStatements({
      names,
      databaseName: 'app',
      initialPassword: "p'w",
      existing: new Set(),
    });
    expect(sql.slice(0, 3)).toEqual([
      'CREATE ROLE "app_owner" NOLOGIN',
      `CREATE ROLE "app" LOGIN PASSWORD 'p''w'`,
      'CREATE ROLE "app_clone" LOGIN',
    ]);
  });

  test('GIVEN the roles exist THEN nothing is created and no password is set (a rotation may have changed it)', () => {
    const sql = provisionStatements({ names, databaseName: 'app', initialPassword: 'new', existing: ALL });
    expect(sql.filter((s) => /^CREATE ROLE/.test(s))).toEqual([]);
    expect(sql.join('\n')).not.toMatch(/PASSWORD/i);
  });

  test('every run re-applies exactly the same grants, with nothing beyond what the app needs', () => {
    const sql = provisionStatements({ names, databaseName: 'app', initialPassword: 'x', existing: ALL });
    expect(sql).toEqual([
      'ALTER ROLE "app_owner" NOLOGIN NOCREATEDB NOCREATEROLE INHERIT',
      'ALTER ROLE "app" LOGIN NOCREATEDB NOCREATEROLE INHERIT',
      'GRANT "app_owner" TO "app"',
      `ALTER ROLE "app" IN DATABASE "app" SET role = 'app_owner'`,
      'ALTER ROLE "app_clone" LOGIN NOCREATEDB NOCREATEROLE INHERIT',
      'GRANT "app_owner" TO "app_clone"',
      `ALTER ROLE "app_clone" IN DATABASE "app" SET role = 'app_owner'`,
      'GRANT CONNECT, TEMPORARY, CREATE ON DATABASE "app" TO "app_owner"',
      'GRANT USAGE, CREATE ON SCHEMA public TO "app_owner"',
      'CREATE EXTENSION IF NOT EXISTS pg_stat_statements',
    ]);
    expect(sql.join('\n')).not.toMatch(
      /SUPERUSER|rds_superuser|pg_read_all|pg_write_all|CREATEROLE(?! )|BYPASSRLS/,
    );
  });

  test('identifiers from configuration are always quoted (no injection through names)', () => {
    const odd = appRoleNames('a"b');
    const sql = provisionStatements({
      names: odd,
      databaseName: 'my"db',
      initialPassword: 'x',
      existing: new Set(),
    });
    expect(sql).toContain('CREATE ROLE "a""b_owner" NOLOGIN');
    expect(sql).toContain('GRANT CONNECT, TEMPORARY, CREATE ON DATABASE "my""db" TO "a""b_owner"');
    expect(sql).toContain(`ALTER ROLE "a""b" IN DATABASE "my""db" SET role = 'a"b_owner'`);
  });
});

describe('drop statements (removal policy destroy)', () => {
  test('drop what the roles own, then the roles; nothing when they are gone', () => {
    expect(dropStatements(names, ALL)).toEqual([
      'GRANT "app" TO CURRENT_USER',
      'GRANT "app_clone" TO CURRENT_USER',
      'GRANT "app_owner" TO CURRENT_USER',
      'DROP OWNED BY "app", "app_clone", "app_owner"',
      'DROP ROLE "app", "app_clone", "app_owner"',
    ]);
    expect(dropStatements(names, new Set())).toEqual([]);
  });
});
