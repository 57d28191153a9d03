import { isObject, Rule } from './template';

/**
 * A FIS target names its resources either by ARN, or by tags (with filters and parameters), never
 * both ways at once: FIS refuses an experiment template whose target combines resource ARNs with
 * tags or with parameters, which in a stack fails the create and rolls back the whole deploy.
 * Sources: AWS FIS User Guide, "Targets" (https://docs.aws.amazon.com/fis/latest/userguide/targets.html);
 * CloudFormation, AWS::FIS::ExperimentTemplate ExperimentTemplateTarget ("You cannot specify both ARNs
 * and tags").
 */
export const fisTargetSelection: Rule = {
  id: 'FisTargetSelection',
  description:
    'A FIS experiment target selects by resource ARNs alone, or by tags with filters and parameters: FIS rejects ARNs combined ' +
    'with tags or parameters, and a rejected template fails the stack create.',
  source: 'https://docs.aws.amazon.com/fis/latest/userguide/targets.html',
  resourceTypes: ['AWS::FIS::ExperimentTemplate'],
  check(resource) {
    const targets = resource.properties.Targets;
    if (!isObject(targets)) return [];
    const nonEmpty = (v: unknown) =>
      Array.isArray(v) ? v.length > 0 : isObject(v) ? Object.keys(v).length > 0 : v !== undefined;
    return Object.entries(targets).flatMap(([name, target]) => {
      if (!isObject(target) || !nonEmpty(target.ResourceArns)) return [];
      const mixed = ['ResourceTags', 'Parameters'].filter((key) => nonEmpty(target[key]));
      if (mixed.length === 0) return [];
      return [
        {
          location: `Properties/Targets/${name}`,
          message: `target ${name} (${String(target.ResourceType)}) combines ResourceArns with ${mixed.join(' and ')}`,
        },
      ];
    });
  },
};
