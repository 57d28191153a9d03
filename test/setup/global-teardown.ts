import * as fs from 'fs';

export default function globalTeardown(): void {
  const dir = process.env.SB_PRESETS_OUTDIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
