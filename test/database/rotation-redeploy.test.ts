import { Template } from 'aws-cdk-lib/assertions';
import { presets, resourcesOf, singleResource } from '../helpers';

// GIVEN every preset, synthesized once for the whole run (dev and prod rotate the master secret
// every 30 days, local has rotation off)
const { templates } = presets();
const ROTATING = ['dev', 'prod'] as const;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function idStartingWith(template: Template, type: string, prefix: string): string {
  const ids = resourcesOf(template, type)
    .map(([id]) => id)
    .filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** The ASL of a state machine: `DefinitionString` is a Fn::Join of literals and tokens. */
function definitionOf(stateMachine: { Properties?: Record<string, unknown> }): {
  text: string;
  tokens: unknown[];
} {
  const definition = stateMachine.Properties!.DefinitionString as
    string | { 'Fn::Join': [string, unknown[]] };
  if (typeof definition === 'string') return { text: definition, tokens: [] };
  const parts = definition['Fn::Join'][1];
  const tokens = parts.filter((p) => typeof p !== 'string');
  // Tokens become placeholders, so the text parses as JSON and each token can be compared.
  const text = parts.map((p) => (typeof p === 'string' ? p : `<${tokens.indexOf(p)}>`)).join('');
  return { text, tokens };
}

describe('redeploy on rotation', () => {
  test.each(ROTATING)(
    "%s: one rule matches RotationSucceeded of the service's database secret only",
    (env) => {
      const t = templates[env];
      // The tasks hold the app secret (the master's rotation does not concern them).
      const secretAttachment = idStartingWith(
        t,
        'AWS::SecretsManager::SecretTargetAttachment',
        'DatabaseAppSecretAttachment',
      );
      // WHEN the template's EventBridge rules with an event pattern are listed
      const rules = resourcesOf(t, 'AWS::Events::Rule').filter(([, r]) => r.Properties!.EventPattern);
      // THEN exactly one matches Secrets Manager's rotation event, and only for this secret's ARN
      // (the attachment's Ref is the ARN of the secret with the host attached)
      const rotationRules = rules.filter(([, r]) =>
        JSON.stringify(r.Properties!.EventPattern).includes('aws.secretsmanager'),
      );
      expect(rotationRules).toHaveLength(1);
      const [ruleId, rule] = rotationRules[0];
      expect(ruleId).toMatch(/^RotationRedeployRotationSucceeded/);
      expect(rule.Properties!.State).toBe('ENABLED');
      expect(rule.Properties!.EventBusName).toBeUndefined(); // the default bus
      expect(rule.Properties!.EventPattern).toEqual({
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationSucceeded'],
          additionalEventData: { SecretId: [{ Ref: secretAttachment }] },
        },
      });
      // AND its one target starts the state machine
      const stateMachine = idStartingWith(t, 'AWS::StepFunctions::StateMachine', 'RotationRedeploy');
      const ruleTargets = rule.Properties!.Targets as { Arn: unknown; RoleArn: unknown }[];
      expect(ruleTargets).toHaveLength(1);
      expect(ruleTargets[0].Arn).toEqual({ Ref: stateMachine });
    },
  );

  test.each(ROTATING)(
    '%s: the state machine forces a new deployment of the service, retrying throttling',
    (env) => {
      const t = templates[env];
      const [, stateMachine] = singleResource(t, 'AWS::StepFunctions::StateMachine');
      const cluster = idStartingWith(t, 'AWS::ECS::Cluster', 'ServiceCluster');
      const service = idStartingWith(t, 'AWS::ECS::Service', 'Service');
      // WHEN its definition is read
      const { text, tokens } = definitionOf(stateMachine);
      const asl = JSON.parse(text) as {
        StartAt: string;
        States: Record<
          string,
          {
            Type: string;
            Resource: string;
            Parameters: Record<string, string | boolean>;
            Retry: { ErrorEquals: string[]; MaxAttempts: number }[];
            End?: boolean;
          }
        >;
      };
      // THEN it is one task: aws-sdk ecs:updateService with ForceNewDeployment on this cluster/service
      expect(Object.keys(asl.States)).toEqual([asl.StartAt]);
      const task = asl.States[asl.StartAt];
      expect(task.Type).toBe('Task');
      expect(task.End).toBe(true);
      expect(task.Resource).toMatch(/^arn:<\d+>:states:::aws-sdk:ecs:updateService$/);
      expect(tokens[Number(/<(\d+)>/.exec(task.Resource)![1])]).toEqual({ Ref: 'AWS::Partition' });
      expect(task.Parameters.ForceNewDeployment).toBe(true);
      const token = (placeholder: string | boolean) =>
        tokens[Number(/^<(\d+)>$/.exec(String(placeholder))![1])];
      expect(token(task.Parameters.Cluster)).toEqual({ 'Fn::GetAtt': [cluster, 'Arn'] });
      expect(token(task.Parameters.Service)).toEqual({ Ref: service });
      expect(Object.keys(task.Parameters).sort()).toEqual(['Cluster', 'ForceNewDeployment', 'Service']);
      // AND throttling and server errors are retried
      expect(task.Retry).toHaveLength(1);
      expect(task.Retry[0].ErrorEquals).toEqual(['Ecs.ThrottlingException', 'Ecs.ServerException']);
      expect(task.Retry[0].MaxAttempts).toBeGreaterThanOrEqual(3);
    },
  );

  test.each(ROTATING)(
    '%s: the state machine may call ecs:UpdateService on this service and nothing else on ECS',
    (env) => {
      const t = templates[env];
      const [, stateMachine] = singleResource(t, 'AWS::StepFunctions::StateMachine');
      const service = idStartingWith(t, 'AWS::ECS::Service', 'Service');
      const roleRef = stateMachine.Properties!.RoleArn as { 'Fn::GetAtt': [string, string] };
      const role = roleRef['Fn::GetAtt'][0];
      // WHEN every statement of every policy attached to its role is listed
      const statements = resourcesOf(t, 'AWS::IAM::Policy')
        .filter(([, p]) =>
          (p.Properties!.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })),
        )
        .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
      const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
      // THEN the only non-logging, non-tracing permission is ecs:UpdateService on the service's ARN
      const operational = statements.filter((s) => !actions(s).every((a) => /^(logs|xray):/.test(a)));
      expect(operational).toEqual([
        { Effect: 'Allow', Action: 'ecs:UpdateService', Resource: { Ref: service } },
      ]);
      // AND no statement allows anything but writing logs, traces and that one call
      expect(statements.flatMap(actions).filter((a) => !/^(logs|xray):/.test(a))).toEqual([
        'ecs:UpdateService',
      ]);
      // AND the role is assumable by Step Functions only
      const [, roleResource] = resourcesOf(t, 'AWS::IAM::Role').find(([id]) => id === role)!;
      expect(
        JSON.stringify(
          (roleResource.Properties!.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement,
        ),
      ).toMatch(/"Service":"states.amazonaws.com"/);
    },
  );

  test.each([
    ['dev', 30],
    ['prod', 365],
  ] as const)(
    '%s: standard type, every event logged (without execution data) for the service retention, traced',
    (env, retentionDays) => {
      const t = templates[env];
      const [, stateMachine] = singleResource(t, 'AWS::StepFunctions::StateMachine');
      const logGroup = idStartingWith(t, 'AWS::Logs::LogGroup', 'RotationRedeployLogs');
      // THEN
      expect(stateMachine.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: false,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroup, 'Arn'] } } }],
        },
      });
      // AND its log group keeps entries as long as the service's own logs
      const [, serviceLogs] = resourcesOf(t, 'AWS::Logs::LogGroup').find(([id]) =>
        id.startsWith('ServiceLogs'),
      )!;
      const [, ownLogs] = resourcesOf(t, 'AWS::Logs::LogGroup').find(([id]) => id === logGroup)!;
      expect(ownLogs.Properties!.RetentionInDays).toBe(serviceLogs.Properties!.RetentionInDays);
      expect(ownLogs.Properties!.RetentionInDays).toBe(retentionDays);
      // AND Step Functions writes it as a vended log, so it sits under /aws/vendedlogs/
      expect(ownLogs.Properties!.LogGroupName).toBe(
        `/aws/vendedlogs/states/ScalableBackend-${env}-rotation-redeploy`,
      );
    },
  );

  test('local (rotation off): no rule, no state machine', () => {
    // GIVEN the local preset (database.rotationDays: 0)
    const t = templates.local;
    // THEN nothing reacts to rotations that never happen
    t.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(resourcesOf(t, 'AWS::Events::Rule').filter(([id]) => id.startsWith('RotationRedeploy'))).toEqual(
      [],
    );
    expect(resourcesOf(t, 'AWS::Logs::LogGroup').filter(([id]) => id.startsWith('RotationRedeploy'))).toEqual(
      [],
    );
  });
});
