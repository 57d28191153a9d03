/** Schema of the fault-injection experiments (`resilience`): AWS FIS experiment templates. */
import { z } from 'zod';
import { IN_PLACE, doc, int } from './common';

export const resilienceSchema = z.strictObject({
  experiments: doc(z.boolean(), {
    description:
      'Create AWS FIS experiment templates that rehearse losing tasks, the primary database, a cache zone, a zone of the network, and a whole zone (docs/resilience.md). Templates cost nothing until you start one.',
    onChange: 'adds or removes the templates, their role and log group; nothing else is touched',
  }),
  zoneIndex: doc(int(0, 5), {
    description:
      'The zone the zonal experiments hit, as an index into the VPC zones (0 = first). Must be below the zone count.',
    onChange: IN_PLACE,
  }),
  faultMinutes: doc(int(1, 60), {
    description: 'How long the network cut and the cache power interruption last (minutes).',
    onChange: IN_PLACE,
  }),
});
