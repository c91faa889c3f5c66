/**
 * The layering rules live in eslint.config.js (`no-restricted-imports` per folder, like VS Code's layer rules) and
 * `npm test` lints the tree before the tests. This test plants one violation per rule and checks ESLint reports
 * it, so a rule that stops matching (a moved folder, a broken regex) cannot silently let violations through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { repoRoot } from '../main/node/paths.js';

// Planted files are not in tsconfig's program: lint them without type information (the layering rules need none).
const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } }, rules: { '@typescript-eslint/no-floating-promises': 'off' } },
});

async function restricted(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(repoRoot, file) });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: { file: string; bad: string[]; good: string[] }[] = [
  {
    file: 'main/common/planted.ts',
    bad: [
      "import { readFile } from 'node:fs';",
      "import { app } from 'electron';",
      "import sharp from 'sharp';",
      "import { x } from '../node/paths.js';",
      "import { y } from '../services/engine.js';",
    ],
    good: ["import { z } from 'zod';", "import { hmac } from '@noble/hashes/hmac';", "import { ok } from './result.js';"],
  },
  {
    file: 'renderer/src/screens/Planted.tsx',
    bad: [
      "import { readFile } from 'node:fs';",
      "import { openStore } from '../../../main/store/store.js';",
      "import { x } from '../../../main/node/paths.js';",
      "import { c } from '../../../main/evaluation/pixel-metrics.js';",
      "import sharp from 'sharp';",
    ],
    good: [
      "import { useState } from 'react';",
      "import { createRoot } from 'react-dom/client';",
      "import { useTranslation } from 'react-i18next';",
      "import i18next from 'i18next';",
      "import type { StationApi } from '../../../main/common/api.js';",
      "import { auroc } from '../../../main/evaluation/metrics.js';",
      "import { useStation } from '../connection.js';",
    ],
  },
  {
    file: 'main/inference/planted.ts',
    bad: [
      "import { LogService } from '../services/log.js';",
      "import { x } from '../../main/services/engine.js';",
      "import { y } from '../../renderer/src/App.js';",
    ],
    good: ["import * as ort from 'onnxruntime-node';", "import { decodeImage } from '../node/image-io.js';"],
  },
  {
    file: 'main/electron-main/planted.ts',
    bad: ["import { createEngine } from '../services/engine.js';", "import { openStore } from '../store/store.js';"],
    good: [
      "import { app } from 'electron';",
      "import { join } from 'node:path';",
      "import { startEngineWorker } from '../node/engine-link.js';",
      "import { isSafeMediaRef } from '../common/media.js';",
      "import { x } from './window.js';",
    ],
  },
  {
    file: 'main/evaluation/metrics.ts',
    bad: ["import { readFile } from 'node:fs';", "import { x } from '../node/paths.js';"],
    good: ["import type { Result } from '../common/result.js';", "import { y } from './summarize.js';"],
  },
  {
    file: 'main/services/planted.ts',
    bad: ["import { App } from '../../renderer/src/App.js';"],
    good: ["import { openStore } from '../store/store.js';"],
  },
];

for (const c of cases) {
  test(`layering (${c.file}): planted violations are reported, allowed imports are not`, async () => {
    for (const code of c.bad) assert.equal((await restricted(c.file, code)).length, 1, `not reported: ${code}`);
    for (const code of c.good) assert.deepEqual(await restricted(c.file, code), [], `wrongly reported: ${code}`);
  });
}

test('onnxruntime sessions are created only by createSession (the provider choice and telemetry off live there)', async () => {
  const syntax = async (file: string, code: string) =>
    (await eslint.lintText(code, { filePath: join(repoRoot, file) }))[0]!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').length;
  const direct = "import * as ort from 'onnxruntime-node';\nexport const s = () => ort.InferenceSession.create(new Uint8Array(1));";
  const named = "import { InferenceSession } from 'onnxruntime-node';\nexport const s = () => InferenceSession.create(new Uint8Array(1));";
  assert.equal(await syntax('main/inference/planted.ts', direct), 1, 'ort.InferenceSession.create is reported');
  assert.equal(await syntax('main/supervised/planted.ts', named), 1, 'InferenceSession.create is reported');
  assert.equal(await syntax('main/inference/execution-provider.ts', direct), 0, 'createSession itself may');
  assert.equal(
    await syntax(
      'main/inference/planted.ts',
      "import { createSession } from './execution-provider.js';\nexport const s = () => createSession(new Uint8Array(1));",
    ),
    0,
  );
});
