import { loadEnvironments, validateEnvironment, ConfigError } from '../../lib/config/load';
import { PRESETS } from '../../lib/config/presets';
import { configErrorOf } from '../config-error';

const DOMAIN = '{"name":"api.example.com","hostedZoneId":"Z0123456789ABCDEFGHIJ","zoneName":"example.com"}';
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

describe('front-door defaults', () => {
  test('GIVEN the presets THEN WAF and ALB deletion protection are on in prod, off in dev and local', () => {
    const byName = Object.fromEntries(
      loadEnvironments({ envs: 'dev,prod,local' }).map((e) => [e.name, e.config.service]),
    );
    expect([byName.prod.waf.enabled, byName.prod.deletionProtection]).toEqual([true, true]);
    expect([byName.dev.waf.enabled, byName.dev.deletionProtection]).toEqual([false, false]);
    expect([byName.local.waf.enabled, byName.local.deletionProtection]).toEqual([false, false]);
  });

  test('GIVEN the presets THEN the managed rule groups default to IP reputation, core rule set and known bad inputs', () => {
    for (const preset of Object.values(PRESETS)) {
      expect(preset.service.waf.managedRuleGroups).toEqual([
        'AWSManagedRulesAmazonIpReputationList',
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
      ]);
    }
  });

  test('GIVEN no domain and no certificate THEN prod still validates (a first deploy works)', () => {
    const [prod] = loadEnvironments({ envs: 'prod' });
    expect(prod.config.service.domain).toBeUndefined();
    expect(prod.config.service.certificateArn).toBeUndefined();
  });
});

describe('service.domain', () => {
  test('GIVEN a domain from the command line THEN it is parsed into name, zone id and zone name', () => {
    const [prod] = loadEnvironments({ envs: 'prod', 'prod.service.domain': DOMAIN });
    expect(prod.config.service.domain).toEqual({
      name: 'api.example.com',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      zoneName: 'example.com',
    });
  });

  test('GIVEN the zone apex as the name THEN it is accepted', () => {
    const [prod] = loadEnvironments({
      envs: 'prod',
      'prod.service.domain':
        '{"name":"example.com","hostedZoneId":"Z0123456789ABCDEFGHIJ","zoneName":"example.com"}',
    });
    expect(prod.config.service.domain?.name).toBe('example.com');
  });

  test('GIVEN domain and certificateArn together THEN the error names both keys', () => {
    const message = configErrorOf({
      envs: 'prod',
      'prod.service.domain': DOMAIN,
      'prod.service.certificateArn': CERT,
    });
    expect(message).toContain(
      'prod.service.domain: service.domain and service.certificateArn exclude each other',
    );
  });

  test('GIVEN domain and a malformed certificateArn THEN the conflict is still named, with the malformed ARN', () => {
    // The example of the docs: an ARN whose id is not a certificate id.
    const message = configErrorOf({
      envs: 'prod',
      'prod.service.domain': DOMAIN,
      'prod.service.certificateArn': 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    });
    expect(message).toContain('service.domain and service.certificateArn exclude each other');
    expect(message).toContain(
      'prod.service.certificateArn: got "arn:aws:acm:us-east-1:123456789012:certificate/abc"',
    );
  });

  test('GIVEN validateEnvironment with both THEN it throws the same conflict', () => {
    const candidate = {
      ...PRESETS.prod,
      service: { ...PRESETS.prod.service, certificateArn: CERT, domain: JSON.parse(DOMAIN) },
    };
    expect(() => validateEnvironment('prod', candidate)).toThrow(ConfigError);
    expect(() => validateEnvironment('prod', candidate)).toThrow(/exclude each other/);
  });

  test.each([
    [
      'a name outside the zone',
      '{"name":"api.example.org","hostedZoneId":"Z0123456789ABCDEFGHIJ","zoneName":"example.com"}',
      'prod.service.domain.name: got "api.example.org"; must be service.domain.zoneName (example.com) or a name inside it',
    ],
    [
      'a name that only ends like the zone',
      '{"name":"apiexample.com","hostedZoneId":"Z0123456789ABCDEFGHIJ","zoneName":"example.com"}',
      'prod.service.domain.name: got "apiexample.com"; must be service.domain.zoneName (example.com)',
    ],
    [
      'a hosted zone id of the wrong shape',
      '{"name":"api.example.com","hostedZoneId":"/hostedzone/Z0123","zoneName":"example.com"}',
      'prod.service.domain.hostedZoneId: got "/hostedzone/Z0123"; must be a Route 53 hosted zone id',
    ],
    [
      'a name with a trailing dot',
      '{"name":"api.example.com.","hostedZoneId":"Z0123456789ABCDEFGHIJ","zoneName":"example.com"}',
      'prod.service.domain.name: got "api.example.com."; must be a lower-case DNS name without a trailing dot',
    ],
    [
      'a missing zone name',
      '{"name":"api.example.com","hostedZoneId":"Z0123456789ABCDEFGHIJ"}',
      'prod.service.domain.zoneName: got nothing',
    ],
  ])('GIVEN %s THEN the error names the key, the value and what is allowed', (_, domain, expected) => {
    expect(configErrorOf({ envs: 'prod', 'prod.service.domain': domain })).toContain(expected);
  });
});

describe('service.waf', () => {
  test.each([
    ['9', 'prod.service.waf.rateLimitPer5Minutes: got 9; Too small: expected number to be >=10'],
    [
      '2000000001',
      'prod.service.waf.rateLimitPer5Minutes: got 2000000001; Too big: expected number to be <=2000000000',
    ],
  ])('GIVEN a rate limit of %s THEN it is refused with the range AWS accepts', (value, expected) => {
    expect(configErrorOf({ envs: 'prod', 'prod.service.waf.rateLimitPer5Minutes': value })).toContain(
      expected,
    );
  });

  test('GIVEN the limits of the range THEN both are accepted', () => {
    for (const limit of [10, 2_000_000_000]) {
      const [prod] = loadEnvironments({
        envs: 'prod',
        'prod.service.waf.rateLimitPer5Minutes': String(limit),
      });
      expect(prod.config.service.waf.rateLimitPer5Minutes).toBe(limit);
    }
  });

  test.each([
    [
      'a group that is not an AWS managed one',
      '["MyRuleGroup"]',
      'prod.service.waf.managedRuleGroups.0: got "MyRuleGroup"; must be the name of an AWS managed rule group',
    ],
    [
      'a group that needs configuration this stack does not write',
      '["AWSManagedRulesBotControlRuleSet"]',
      'prod.service.waf.managedRuleGroups.0: got "AWSManagedRulesBotControlRuleSet"; needs extra configuration',
    ],
    [
      'a group listed twice',
      '["AWSManagedRulesCommonRuleSet","AWSManagedRulesCommonRuleSet"]',
      'prod.service.waf.managedRuleGroups: got ["AWSManagedRulesCommonRuleSet","AWSManagedRulesCommonRuleSet"]; must not list a rule group twice',
    ],
  ])('GIVEN %s THEN it is refused', (_, groups, expected) => {
    expect(configErrorOf({ envs: 'prod', 'prod.service.waf.managedRuleGroups': groups })).toContain(expected);
  });

  test('GIVEN a team adds the SQL database group and drops known bad inputs THEN the list is taken as given', () => {
    const groups = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesSQLiRuleSet'];
    const [prod] = loadEnvironments({
      envs: 'prod',
      'prod.service.waf.managedRuleGroups': JSON.stringify(groups),
    });
    expect(prod.config.service.waf.managedRuleGroups).toEqual(groups);
  });

  test.each([
    [
      'a rule of a group the web ACL does not use',
      '["AWSManagedRulesSQLiRuleSet/SQLi_BODY"]',
      'prod.service.waf.countOnlyRules.0: got "AWSManagedRulesSQLiRuleSet/SQLi_BODY"; rule group AWSManagedRulesSQLiRuleSet is not in managedRuleGroups',
    ],
    [
      'a rule without its group',
      '["SizeRestrictions_BODY"]',
      'prod.service.waf.countOnlyRules.0: got "SizeRestrictions_BODY"; must be <rule group>/<rule>',
    ],
  ])('GIVEN countOnlyRules with %s THEN it is refused, naming the item', (_, rules, expected) => {
    expect(configErrorOf({ envs: 'prod', 'prod.service.waf.countOnlyRules': rules })).toContain(expected);
  });

  test('GIVEN a WAF log retention CloudWatch does not offer THEN the allowed values are listed', () => {
    expect(configErrorOf({ envs: 'prod', 'prod.service.waf.logRetentionDays': '45' })).toContain(
      'prod.service.waf.logRetentionDays: got 45; must be one of the CloudWatch Logs retention values',
    );
  });
});
