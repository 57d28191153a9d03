/** Schema of the governance settings (`compliance`): the extra rule packs and the log floor. */
import { z } from 'zod';
import { IN_PLACE, doc, logRetention } from './common';

/** cdk-nag compliance packs an environment can ask for, by the name the report shows. */
export const COMPLIANCE_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'] as const;
export type CompliancePack = (typeof COMPLIANCE_PACKS)[number];

export const complianceSchema = z.strictObject({
  packs: doc(
    z.array(z.enum(COMPLIANCE_PACKS)).refine((p) => new Set(p).size === p.length, 'lists a pack twice'),
    {
      description:
        "cdk-nag compliance packs to run on this environment's template at every synth, next to AwsSolutions, AWS Control Tower's proactive controls and the project's rule pack: `NIST.800.53.R5`, `HIPAA.Security`, `PCI.DSS.321`. A finding fails the synth unless it is one of the exceptions of `lib/governance/exceptions.ts` (docs/rules.md lists them with their reasons).",
      onChange: 'nothing deployed changes: the packs only check the template',
    },
  ),
  minimumLogRetentionDays: doc(logRetention.optional(), {
    description:
      'Every log group of the stack keeps its events at least this long (days): a tier setting below it is raised to it. Control Tower (CT.CLOUDWATCH.PR.2) asks for 365 or more. Unset: each tier keeps its own retention.',
    onChange: IN_PLACE,
  }),
});
