import { Template } from 'aws-cdk-lib/assertions';
import { PRIMARY_PREFERRED_ZONE_INDEX, replicaAvailabilityZone } from '../../lib/database/replicas';
import { resourcesOf, singleResource } from '../helpers';
import { databaseOnly, ENVS, primaryOf, replicasOf, templates } from './helpers';

describe('read replicas', () => {
  test.each([
    ['dev', 1, 'db.t4g.micro'],
    ['prod', 2, 'db.r7g.large'],
  ] as const)(
    '%s: %d replica(s) of the primary on %s, encrypted with the same key',
    (env, count, instanceClass) => {
      const t = templates[env];
      const [primaryId, primary] = primaryOf(t);
      const replicas = replicasOf(t);
      // THEN ids are Replica1..N, so adding one never renames the others
      expect(replicas.map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(
        Array.from({ length: count }, (_, i) => `DatabaseReplica${i + 1}`),
      );
      for (const [, replica] of replicas) {
        expect(replica.Properties).toMatchObject({
          DBInstanceClass: instanceClass,
          KmsKeyId: primary.Properties!.KmsKeyId,
          StorageType: 'gp3',
          PubliclyAccessible: false,
          SourceDBInstanceIdentifier: { 'Fn::Join': ['', expect.arrayContaining([{ Ref: primaryId }])] },
        });
        // Inherited from the source; CloudFormation rejects it next to SourceDBInstanceIdentifier.
        expect(replica.Properties!.StorageEncrypted).toBeUndefined();
      }
    },
  );

  test('replicas take their own instance class when configured', () => {
    const { template } = databaseOnly('dev', { database: { replicaInstanceClass: 'r7g.large' } });
    expect(replicasOf(template).map(([, r]) => r.Properties!.DBInstanceClass)).toEqual(['db.r7g.large']);
    expect(primaryOf(template)[1].Properties!.DBInstanceClass).toBe('db.t4g.micro');
  });

  test.each(ENVS)(
    '%s: one reader name with an equal-weight CNAME per replica, in a private zone of the VPC',
    (env) => {
      const t = templates[env];
      const [zoneId, zone] = singleResource(t, 'AWS::Route53::HostedZone', 'DatabasePrivateZone');
      expect(zone.Properties).toMatchObject({
        Name: `scalablebackend-${env}.internal.`,
        VPCs: [{ VPCId: { Ref: expect.stringMatching(/^NetworkVpc/) } }],
      });
      const records = resourcesOf(t, 'AWS::Route53::RecordSet').filter(([id]) =>
        id.startsWith('DatabaseReaderRecord'),
      );
      const replicaIds = replicasOf(t).map(([id]) => id);
      expect(records).toHaveLength(replicaIds.length);
      for (const [, record] of records) {
        expect(record.Properties).toMatchObject({
          HostedZoneId: { Ref: zoneId },
          Name: `db-reader.scalablebackend-${env}.internal.`,
          Type: 'CNAME',
          Weight: 1,
          TTL: '10',
        });
      }
      expect(
        records.map(
          ([, r]) => (r.Properties!.ResourceRecords as { 'Fn::GetAtt': string[] }[])[0]['Fn::GetAtt'],
        ),
      ).toEqual(replicaIds.map((id) => [id, 'Endpoint.Address']));
    },
  );

  test('without replicas the reader name points at the proxy, and no replica group exists', () => {
    // GIVEN dev with readReplicas 0
    const { template, database } = databaseOnly('dev', { database: { readReplicas: 0 } });
    // THEN reads still resolve (to the writer), and the contract keeps its shape
    expect(replicasOf(template)).toEqual([]);
    const [proxyId] = singleResource(template, 'AWS::RDS::DBProxy', 'DatabaseProxy');
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'db-reader.scalablebackend-dev.internal.',
      Type: 'CNAME',
      ResourceRecords: [{ 'Fn::GetAtt': [proxyId, 'Endpoint'] }],
      // weighted like the replica records, so going from 0 to 1 replica can add one next to it
      Weight: 1,
      SetIdentifier: 'writer',
    });
    expect(database.replicaSecurityGroup).toBeUndefined();
    expect(database.environment.DB_REPLICA_HOSTS).toBe('');
    expect(database.environment.DB_READER_HOST).toBe('db-reader.scalablebackend-dev.internal');
  });
});

describe('replica zones', () => {
  // Replica by replica (logical ids DatabaseReplica<n><8-char hash>), whatever order the template uses
  const zoneOf = (t: Template) =>
    replicasOf(t)
      .map(
        ([id, r]) =>
          [Number(id.slice(0, -8).replace('DatabaseReplica', '')), r.Properties!.AvailabilityZone] as const,
      )
      .sort(([a], [b]) => a - b)
      .map(([, zone]) => zone);
  const getAz = (i: number) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] });

  test('prod: the two replicas sit in different zones, neither in the primary’s preferred zone', () => {
    // WHEN prod (three zones from Fn::GetAZs, Multi-AZ primary without a zone of its own) is synthesized
    const zones = zoneOf(templates.prod);
    // THEN replica 1 and 2 take zones 1 and 2, round-robin after the primary's preferred zone 0
    expect(PRIMARY_PREFERRED_ZONE_INDEX).toBe(0);
    expect(zones).toEqual([getAz(1), getAz(2)]);
    expect(new Set(zones.map((z) => JSON.stringify(z))).size).toBe(2);
    // AND the primary carries none (RDS refuses AvailabilityZone on a Multi-AZ instance)
    expect(primaryOf(templates.prod)[1].Properties).not.toHaveProperty('AvailabilityZone');
  });

  test('adding replicas never moves the existing ones; zones repeat only past the zone count', () => {
    // GIVEN the Database alone in a plain stack (two zones from Fn::GetAZs) with 1, 2, then 5 replicas
    const zones = [1, 2, 5].map((n) =>
      zoneOf(databaseOnly('prod', { database: { readReplicas: n } }).template),
    );
    // THEN every replica keeps its zone when more are added (a moved replica is replaced)
    expect(zones[1].slice(0, 1)).toEqual(zones[0]);
    expect(zones[2].slice(0, 2)).toEqual(zones[1]);
    // AND two replicas in two zones are apart; from the third on they take turns
    expect(zones[1]).toEqual([getAz(1), getAz(0)]);
    expect(zones[2]).toEqual([getAz(1), getAz(0), getAz(1), getAz(0), getAz(1)]);
  });

  test('pinned zones give literal names, in the same order', () => {
    // GIVEN prod pinned to three named zones
    const { template } = databaseOnly('prod', {
      network: { availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
    });
    // THEN the replicas take the second and third of them
    expect(zoneOf(template)).toEqual(['eu-west-1b', 'eu-west-1c']);
  });

  test('the zone rule itself: round-robin from the zone after the preferred one, and bad input fails', () => {
    const zones = ['a', 'b', 'c'];
    expect([1, 2, 3, 4, 5, 6].map((n) => replicaAvailabilityZone(zones, n))).toEqual([
      'b',
      'c',
      'a',
      'b',
      'c',
      'a',
    ]);
    expect(() => replicaAvailabilityZone(zones, 0)).toThrow(/replica number 0 must be >= 1/);
    expect(() => replicaAvailabilityZone([], 1)).toThrow(/no availability zones/);
  });
});
