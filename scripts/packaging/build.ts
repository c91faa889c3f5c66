/**
 * Builds what the packaged app runs into any folder (not only the project's dist/): the main process (tsc, main/
 * only), the preload bundle (esbuild) and the renderer (Vite). `npm run build` does the same into the project; the
 * packaging tests build into a temporary folder so they leave the checkout alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface BuildResult {
  /** tsc's diagnostics when it reported type errors but still emitted (the packaging tests tolerate them). */
  readonly typeErrors: string | null;
}

export async function buildApp(root: string, outDir: string, opts: { strict?: boolean } = {}): Promise<BuildResult> {
  root = resolve(root);
  outDir = resolve(outDir);
  mkdirSync(outDir, { recursive: true });
  const tsconfig = join(outDir, 'tsconfig.main.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      include: [join(root, 'main', '**', '*.ts')],
      exclude: [join(root, 'node_modules')],
      compilerOptions: { rootDir: root, outDir: join(outDir, 'dist'), sourceMap: false, incremental: false, typeRoots: [join(root, 'node_modules', '@types')] },
    }),
  );
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { cwd: root, encoding: 'utf8' });
  const main = join(outDir, 'dist', 'main', 'electron-main', 'main.js');
  if (!existsSync(main) || (opts.strict && tsc.status !== 0)) throw new Error(`tsc failed (exit ${tsc.status}):\n${tsc.stdout}${tsc.stderr}`);

  const { build: esbuild } = await import('esbuild');
  await esbuild({
    entryPoints: [join(root, 'main', 'preload', 'preload.ts')],
    outfile: join(outDir, 'dist', 'main', 'preload', 'preload.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    logLevel: 'warning',
  });

  const vite = await import('vite');
  const config = (await import(join(root, 'renderer', 'vite.config.ts'))).default as import('vite').UserConfig;
  await vite.build({ ...config, configFile: false, logLevel: 'error', build: { ...config.build, outDir: join(outDir, 'renderer', 'dist'), emptyOutDir: true, sourcemap: false } });
  if (!existsSync(join(outDir, 'renderer', 'dist', 'index.html'))) throw new Error('the renderer build produced no index.html');
  return { typeErrors: tsc.status === 0 ? null : `${tsc.stdout}${tsc.stderr}`.trim() };
}
