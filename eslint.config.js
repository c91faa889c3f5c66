// ESLint 9 flat config. Errors are for real problems (unused code, hooks rules, floating promises, layering);
// style is left to the existing code (Prettier's config matches it; see .prettierrc.json).
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * The layering the README describes, as import restrictions per folder (like VS Code's layer rules):
 * - main/common is pure: zod and @noble/hashes only, nothing outside main/common (no node:, no electron);
 * - the renderer imports React, i18next (its string catalogue), its own files, main/common and the pure evaluation modules only;
 * - pure evaluation modules (the renderer bundles them) import only main/common and main/evaluation;
 * - main/inference never imports main/services;
 * - the Electron shell (main/electron-main, main/preload) imports only main/common and main/node (and electron, node:);
 * - nothing in main/ imports the renderer.
 * A file matched by several entries gets the last one, so each entry repeats what applies to it.
 */
/** main/evaluation modules the renderer may bundle: they import only main/common and each other. */
const PURE_EVALUATION = ['metrics', 'summarize', 'threshold-rule'];
const NO_RENDERER = { regex: '(^|/)renderer/', message: 'main/ never imports the renderer.' };
const layer = (files, ...patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export const LAYERS = [
  layer(['main/**/*.ts'], NO_RENDERER),
  layer(['main/inference/**/*.ts'], NO_RENDERER, { regex: '(^|/)services/', message: 'main/inference never imports main/services (data flows one way).' }),
  layer(['main/common/**/*.ts'], {
    regex: '^(?!zod$|@noble/hashes/|\\./)',
    message: 'main/common is pure: only zod, @noble/hashes and main/common itself (no node:, electron or native modules).',
  }),
  layer(
    PURE_EVALUATION.map((m) => `main/evaluation/${m}.ts`),
    { regex: '^(?!\\./|\\.\\./common/)', message: 'pure evaluation modules (bundled by the renderer) import only main/common and main/evaluation.' },
  ),
  layer(['main/electron-main/**/*.ts', 'main/preload/**/*.ts'], NO_RENDERER, {
    regex: '^\\.\\./(?!common/|node/)',
    message: 'the Electron shell imports only main/common and main/node.',
  }),
  layer(
    ['renderer/src/**/*.{ts,tsx}'],
    { regex: '^(?!react(-dom)?(/|$)|(react-)?i18next$|\\.)', message: 'the renderer imports only React, i18next and its own, common or pure modules.' },
    {
      regex: `(^|/)main/(?!common/|evaluation/(${PURE_EVALUATION.join('|')})(\\.js)?$)`,
      message: 'the renderer imports only main/common and the pure evaluation modules.',
    },
  ),
];

export default tseslint.config(
  { ignores: ['dist/**', 'renderer/dist/**', 'node_modules/**', 'native-models/**/*.onnx', 'release/**', '**/*.cjs'] },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    extends: [tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Pragmatic: `any` at a boundary is sometimes the honest type; casts are checked by review, not by lint.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-empty-object-type': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  {
    // Type-aware, so only where a dropped promise loses work or an error: the engine side.
    files: ['main/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }] },
  },
  {
    // One place creates onnxruntime sessions: it picks the execution provider, tunes the session and turns
    // onnxruntime's telemetry off before the first one (inference/execution-provider.ts).
    files: ['main/**/*.ts'],
    ignores: ['main/inference/execution-provider.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='create'][callee.object.property.name='InferenceSession'], CallExpression[callee.property.name='create'][callee.object.name='InferenceSession']",
          message: 'create onnxruntime sessions with createSession (inference/execution-provider.ts).',
        },
      ],
    },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  ...LAYERS,
);
