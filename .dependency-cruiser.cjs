// The layer rules of ../shared/docs/style.md, checked by `npm run lint` (dependency-cruiser).
// Imports point one way: main → {http, bot, jobs} → domain ← {store, integrations}; shared is
// usable everywhere; src/sandbox (emulators, demo) is loaded by production code only through a
// dynamic import in sandbox mode.
const FRAMEWORKS = '^node_modules/(koa|@koa/router|wechaty|wechaty-puppet-[a-z-]+|knex|ioredis|node-cron|mysql2|better-sqlite3)/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'Business rules know nothing of the other layers: src/domain imports only src/domain and src/shared.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/(domain|shared)/' },
    },
    {
      name: 'domain-no-frameworks',
      comment: 'src/domain declares ports instead of importing Koa, Wechaty, knex, ioredis or node-cron.',
      severity: 'error',
      from: { path: '^src/(domain|shared)/' },
      to: { path: FRAMEWORKS },
    },
    {
      name: 'shared-is-leaf',
      comment: 'src/shared is usable everywhere, so it imports nothing else of ours.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'no-persistence-above-domain',
      comment: 'http, bot, jobs and integrations reach data through domain services and ports, never the persistence layer.',
      severity: 'error',
      from: { path: '^src/(http|bot|jobs|integrations)/' },
      to: { path: '^src/persistence/' },
    },
    {
      name: 'persistence-implements-domain-ports',
      comment: 'The persistence layer implements domain ports; it does not call adapters, handlers or the composition.',
      severity: 'error',
      from: { path: '^src/persistence/' },
      to: { path: '^src/(http|bot|jobs|integrations|main|sandbox)/' },
    },
    {
      name: 'integrations-are-adapters',
      comment: 'The real adapters (WeCom, WeChat, QR) implement domain ports and use shared helpers only.',
      severity: 'error',
      from: { path: '^src/integrations/' },
      to: { path: '^src/(http|bot|jobs|main|sandbox)/' },
    },
    {
      name: 'surfaces-do-not-cross',
      comment: 'HTTP, the bot and the jobs are separate surfaces wired by src/main; none imports another or the composition.',
      severity: 'error',
      from: { path: '^src/(http|bot|jobs)/' },
      to: { path: '^src/(http|bot|jobs|main)/', pathNot: '^src/$1/' },
    },
    {
      name: 'sandbox-only-on-demand',
      comment: 'Production roles never load the emulators or the demo: only src/main may reach src/sandbox, by a dynamic import (or for types).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(sandbox/|main/demo\\.ts$)' },
      to: { path: '^src/sandbox/', dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: ['^src/', '^node_modules/'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
