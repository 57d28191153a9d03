import { Rule, isObject, servicePrincipals, statementsOf } from './template';

/**
 * Condition keys that tie a service's use of a key to this account, a resource of it, or the data it
 * encrypts. `aws:SourceAccount`/`aws:SourceArn` are the documented guard against the cross-service
 * confused deputy; services that encrypt with an encryption context (CloudWatch Logs) are scoped by it.
 */
const SCOPING_KEYS = [
  /^aws:sourceaccount$/,
  /^aws:sourcearn$/,
  /^aws:sourceorgid$/,
  /^aws:sourceorgpaths$/,
  /^kms:encryptioncontext:/,
  /^kms:viaservice$/,
  /^kms:calleraccount$/,
];

/**
 * A KMS key policy statement that lets an AWS service principal use the key carries a condition that
 * scopes it to this account or its resources (aws:SourceAccount, aws:SourceArn, an encryption
 * context, ...). Unscoped, the service may use the key on behalf of any account's resources (the
 * cross-service confused deputy).
 * Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
 */
export const keyServiceGrantScoped: Rule = {
  id: 'KeyServiceGrantScoped',
  description:
    'A key policy statement that allows an AWS service principal has a condition scoping it to this account or its ' +
    'resources (aws:SourceAccount, aws:SourceArn, kms:EncryptionContext:..., kms:ViaService), against the ' +
    'cross-service confused deputy.',
  source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html',
  resourceTypes: ['AWS::KMS::Key'],
  check(key, template) {
    return statementsOf(key.properties.KeyPolicy).flatMap((statement, i) => {
      const services = servicePrincipals(statement, template);
      if (statement.Effect !== 'Allow' || services.length === 0) return [];
      const conditionKeys = Object.values(isObject(statement.Condition) ? statement.Condition : {}).flatMap(
        (c) => (isObject(c) ? Object.keys(c).map((k) => k.toLowerCase()) : []),
      );
      if (conditionKeys.some((k) => SCOPING_KEYS.some((re) => re.test(k)))) return [];
      return [
        {
          location: `Properties/KeyPolicy/Statement/${i}`,
          message: `statement ${statement.Sid ?? i} lets ${services.join(', ')} use the key with no aws:SourceAccount, aws:SourceArn or encryption-context condition`,
        },
      ];
    });
  },
};
