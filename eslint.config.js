// ESLint (flat config): typescript-eslint's recommended rules for the whole tree, plus size
// limits for src/ that keep files and functions readable (house style: small files with one
// purpose). The layer rules (which folder may import which) are dependency-cruiser's:
// .dependency-cruiser.cjs; `npm run lint` runs both.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'miniprogram/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      // Stripping or refusing control characters in input is deliberate (CSV, names, file names).
      'no-control-regex': 'off',
      // A full-width space (U+3000) inside Chinese page text is typography, not a typo.
      'no-irregular-whitespace': ['error', { skipTemplates: true, skipStrings: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
  {
    // Database rows come back from knex untyped; the stores turn them into typed domain objects.
    // Tests and benches poke at loosely shaped JSON on purpose.
    files: ['src/persistence/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'src/sandbox/demo/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 420, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
);
