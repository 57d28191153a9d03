import { resourcesOf, singleResource } from '../helpers';
import { attachmentOf, databaseOnly, ENVS, primaryOf, templates } from './helpers';

describe('master secret and rotation', () => {
  test.each(ENVS)(
    '%s: the generated secret rotates every 30 days through a function in the private subnets',
    (env) => {
      const t = templates[env];
      const [attachmentId] = attachmentOf(t, 'master');
      t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        SecretId: { Ref: attachmentId },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        // not during the deployment that starts the tasks
        RotateImmediatelyOnUpdate: false,
      });
      const [, app] = singleResource(t, 'AWS::Serverless::Application', 'DatabasePrimaryRotationSingleUser');
      const subnets = JSON.stringify((app.Properties!.Parameters as Record<string, unknown>).vpcSubnetIds);
      expect(subnets).toMatch(/NetworkVpcPrivateSubnet/);
      expect(subnets).not.toMatch(/Isolated/);
    },
  );

  test.each(ENVS)(
    '%s: the master keeps single-user rotation; the service secret rotates with alternating users as the master',
    (env) => {
      const t = templates[env];
      const [masterId] = attachmentOf(t, 'master');
      const [appId] = attachmentOf(t, 'app');
      const [, single] = singleResource(
        t,
        'AWS::Serverless::Application',
        'DatabasePrimaryRotationSingleUser',
      );
      const [multiId, multi] = singleResource(
        t,
        'AWS::Serverless::Application',
        'DatabasePrimaryAppSecretRotation',
      );
      // The multi-user function logs in as the master (masterSecretArn) to set the other user's password.
      expect(multi.Properties!.Parameters).toMatchObject({ masterSecretArn: { Ref: masterId } });
      expect(single.Properties!.Parameters).not.toHaveProperty('masterSecretArn');
      const mapping = Object.values(
        t.toJSON().Mappings as Record<string, Record<string, { applicationId: string }>>,
      )
        .flatMap((m) => (m.aws?.applicationId ? [m.aws.applicationId] : []))
        .sort();
      expect(mapping).toEqual([
        'arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationMultiUser',
        'arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser',
      ]);
      // Same period, never at deployment time; the app schedule waits for the roles to exist.
      const [scheduleId, schedule] = resourcesOf(t, 'AWS::SecretsManager::RotationSchedule').find(
        ([, r]) => JSON.stringify(r.Properties!.SecretId) === JSON.stringify({ Ref: appId }),
      )!;
      expect(schedule.Properties).toMatchObject({
        RotationLambdaARN: { 'Fn::GetAtt': [multiId, 'Outputs.RotationLambdaARN'] },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediatelyOnUpdate: false,
      });
      expect(t.toJSON().Resources[scheduleId].DependsOn).toEqual([
        singleResource(t, 'Custom::DatabaseAppRole', 'DatabaseAppRole')[0],
      ]);
    },
  );

  test.each(ENVS)(
    '%s: the service secret holds its own user, the database and the master ARN; kept with the data',
    (env) => {
      const t = templates[env];
      const [masterId] = attachmentOf(t, 'master');
      const [appSecretId, appSecret] = singleResource(t, 'AWS::SecretsManager::Secret', 'DatabaseAppSecret');
      const generate = appSecret.Properties!.GenerateSecretString as Record<string, unknown>;
      expect(generate.GenerateStringKey).toBe('password');
      expect(generate.SecretStringTemplate).toEqual({
        'Fn::Join': ['', ['{"username":"app","dbname":"app","masterarn":"', { Ref: masterId }, '"}']],
      });
      expect(appSecret.DeletionPolicy).toBe('RetainExceptOnCreate');
      t.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
        SecretId: { Ref: appSecretId },
        TargetType: 'AWS::RDS::DBInstance',
        TargetId: { Ref: primaryOf(t)[0] },
      });
    },
  );

  test('appUsername flows into the secret and the provisioning', () => {
    const { template } = databaseOnly('dev', { database: { appUsername: 'orders_svc' } });
    const [, secret] = singleResource(template, 'AWS::SecretsManager::Secret', 'DatabaseAppSecret');
    expect(JSON.stringify(secret.Properties!.GenerateSecretString)).toContain(
      '\\"username\\":\\"orders_svc\\"',
    );
    template.hasResourceProperties('Custom::DatabaseAppRole', { AppUsername: 'orders_svc' });
  });

  test('rotationDays 0 (the local preset) creates no rotation', () => {
    const { template } = databaseOnly('dev', { database: { rotationDays: 0 } });
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    template.resourceCountIs('AWS::Serverless::Application', 0);
  });
});
