import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { ServiceConfig } from './config/schema';

/** The writable path a read-only container gets. */
export const WRITABLE_TMP_PATH = '/tmp';

/**
 * Container settings that harden the app container (Control Tower CT.ECS.PR.3, PR.6, PR.7), for
 * `taskDefinition.addContainer`:
 * - a hard memory limit equal to the task memory: the one container may use all of it, and a leak
 *   stops the container instead of starving a neighbour;
 * - with `service.readonlyRootFilesystem`, a read-only root and a tmpfs on `/tmp`. A tmpfs, not a
 *   bind-mount volume: Fargate mounts bind volumes owned by root with mode 0755, so a non-root user
 *   could not write there (docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html,
 *   "By default, the volume permissions are set to 0755 and the owner as root"); a tmpfs root is
 *   world-writable with the sticky bit (mode 1777, the Linux tmpfs default,
 *   www.kernel.org/doc/html/latest/filesystems/tmpfs.html). Fargate supports tmpfs since January
 *   2026 (github.com/aws/containers-roadmap/issues/736, "Shipped"); it counts against the memory;
 * - `service.user`, never root (the schema refuses it); unset, the image's USER applies.
 */
export function hardenedContainerOptions(
  scope: Construct,
  config: ServiceConfig,
): Pick<
  ecs.ContainerDefinitionOptions,
  'memoryLimitMiB' | 'readonlyRootFilesystem' | 'linuxParameters' | 'user'
> {
  let linuxParameters: ecs.LinuxParameters | undefined;
  if (config.readonlyRootFilesystem) {
    linuxParameters = new ecs.LinuxParameters(scope, 'LinuxParameters');
    linuxParameters.addTmpfs({
      containerPath: WRITABLE_TMP_PATH,
      size: config.tmpSizeMiB,
      // No device files or setuid binaries in the one writable place.
      mountOptions: [ecs.TmpfsMountOption.NOSUID, ecs.TmpfsMountOption.NODEV],
    });
  }
  return {
    memoryLimitMiB: config.memoryMiB,
    readonlyRootFilesystem: config.readonlyRootFilesystem,
    linuxParameters,
    user: config.user,
  };
}
