/**
 * Schema of the container hardening settings of `service`: read-only root filesystem with a writable
 * `/tmp`, the user the container runs as, and the memory limit they share.
 */
import { z } from 'zod';
import { doc, int } from './common';

/** A Linux user or group: a name as useradd accepts it, or a numeric id. */
const userOrGroup = '([a-z_][a-z0-9_.-]{0,31}|[0-9]{1,10})';
/** `user`, `user:group`, `uid`, `uid:gid` (and mixes): the forms ECS `user` accepts. */
export const CONTAINER_USER = new RegExp(`^${userOrGroup}(:${userOrGroup})?$`);
/** Users that are root (Control Tower CT.ECS.PR.3 refuses the same list). */
const ROOT_USER = /^(0|root)(:.*)?$/;

export const containerHardeningSchema = {
  readonlyRootFilesystem: doc(z.boolean(), {
    description:
      "Mount the container's root filesystem read-only; the container gets a writable, empty `/tmp` (a tmpfs of `tmpSizeMiB`). The app (and the demo image) must write only to `/tmp` or to the network. False: the image's filesystem stays writable (Control Tower CT.ECS.PR.6 is then an exception, docs/going-live.md).",
    onChange: 'rolling deployment of new tasks',
  }),
  tmpSizeMiB: doc(int(4, 8192), {
    description:
      'Size of the writable `/tmp` (MiB) with a read-only root filesystem. It is memory: it counts against the container memory, so it must stay below half of `memoryMiB`.',
    onChange: 'rolling deployment of new tasks',
  }),
  user: doc(
    z
      .string()
      .regex(
        CONTAINER_USER,
        'must be a user or uid, optionally with :group or :gid (e.g. 101, 1000:1000, node)',
      )
      .refine((u) => !ROOT_USER.test(u), {
        message:
          'runs the container as root: name a non-root user of the image, or set null to run as the user the image declares',
      })
      .optional(),
    {
      description:
        "User the container runs as (`uid`, `uid:gid`, `name`, `name:group`); never root. The default `101` is the non-root user of the demo image (nginx-unprivileged). With your own image set its non-root user (e.g. `1000` or `node`); any uid works for an image whose files are world-readable and that writes only to `/tmp`. Set null to run as the image's own USER (Control Tower CT.ECS.PR.3 is then an exception).",
      onChange: 'rolling deployment of new tasks',
    },
  ),
};

/** Cross-field problems of the hardening settings, as [key, message, value]. */
export function containerHardeningProblems(s: {
  readonlyRootFilesystem: boolean;
  tmpSizeMiB: number;
  memoryMiB: number;
}): [string, string, unknown][] {
  if (s.readonlyRootFilesystem && s.tmpSizeMiB * 2 > s.memoryMiB) {
    return [
      [
        'tmpSizeMiB',
        `is memory of the container: at most half of memoryMiB (${s.memoryMiB}), so at most ${Math.floor(s.memoryMiB / 2)}`,
        s.tmpSizeMiB,
      ],
    ];
  }
  return [];
}
