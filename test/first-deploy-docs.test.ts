import * as fs from 'fs';
import * as path from 'path';
import { stackName } from '../lib/app';
import { presets, resourcesOf } from './helpers';

/**
 * docs/first-deploy.md gives exact commands for a first create of prod and for recovering from a
 * failed one; they must name what the prod template really creates. (That the first-create
 * commands really leave the three protections off, and that turning them on is an in-place update,
 * is checked by synthesizing them in test/e2e/upgrade.e2e.ts.)
 */
const DOC = fs.readFileSync(path.join(__dirname, '..', 'docs', 'first-deploy.md'), 'utf8');
const { templates } = presets();

/** The fenced block that follows the `<!-- marker: ... -->` comment. */
function blockAfter(marker: string): string {
  const at = DOC.indexOf(`<!-- ${marker}:`);
  expect(at).toBeGreaterThan(-1);
  const match = /```sh\n([\s\S]*?)```/.exec(DOC.slice(at));
  return match![1];
}

describe('docs/first-deploy.md agrees with the prod template', () => {
  test('the recovery commands name the stack, the primary and the load balancer attribute the template uses', () => {
    const recovery = blockAfter('recovery');
    const [, primary] = resourcesOf(templates.prod, 'AWS::RDS::DBInstance').find(
      ([, r]) => r.Properties!.SourceDBInstanceIdentifier === undefined,
    )!;
    const [[, loadBalancer]] = resourcesOf(templates.prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    // THEN the primary is protected under the identifier the docs use
    expect(primary.Properties!.DeletionProtection).toBe(true);
    expect(recovery).toContain(
      `--db-instance-identifier ${primary.Properties!.DBInstanceIdentifier} --no-deletion-protection`,
    );
    // AND the load balancer is protected by the attribute the docs turn off
    expect(loadBalancer.Properties!.LoadBalancerAttributes).toContainEqual({
      Key: 'deletion_protection.enabled',
      Value: 'true',
    });
    expect(recovery).toContain('--attributes Key=deletion_protection.enabled,Value=false');
    // AND every command names the prod stack by its real name
    for (const line of recovery.split('\n').filter((l) => l.includes('--stack-name'))) {
      expect(line).toContain(`--stack-name ${stackName('prod')}`);
    }
  });

  test('the first-create commands deploy the prod stack by its real name', () => {
    const commands = blockAfter('first-create').trim().split('\n');
    expect(commands).toHaveLength(2);
    for (const command of commands)
      expect(command).toMatch(new RegExp(`^npx cdk deploy ${stackName('prod')} -c envs=prod`));
  });
});
