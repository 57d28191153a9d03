import { Rule } from './template';

/**
 * No function reserves concurrency unless the configuration asks for it. Lambda keeps a minimum of
 * unreserved concurrency per account and refuses a reservation that would cut into it; new accounts
 * often have a total of 10, so any reservation fails to create there (InvalidParameterValueException
 * "decreases account's UnreservedConcurrentExecution below its minimum value").
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 *
 * A construct that reserves concurrency because the configuration asks for it acknowledges this rule
 * on the function (`ScalableBackend::NoReservedConcurrency`) with the config key in the reason.
 */
export const noReservedConcurrency: Rule = {
  id: 'NoReservedConcurrency',
  description:
    'A function reserves concurrency only when the configuration asks for it: Lambda keeps a minimum of unreserved ' +
    'concurrency per account, so in new or low-quota accounts any reservation fails to create.',
  source: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html',
  resourceTypes: ['AWS::Lambda::Function', 'AWS::Serverless::Function'],
  check(resource) {
    const reserved = resource.properties.ReservedConcurrentExecutions;
    if (reserved === undefined) return [];
    return [
      {
        location: 'Properties/ReservedConcurrentExecutions',
        message: `function reserves ${JSON.stringify(reserved)} concurrent executions`,
      },
    ];
  },
};
