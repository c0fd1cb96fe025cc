// The fault and load suite (`npm run test:faults`): its own ava run, not part of `npm test`.
// Files run one at a time: they start child processes, cut connections and measure memory and
// event-loop lag, and two of them side by side would disturb each other's numbers.
const soakSeconds = Number(process.env.SOAK_SECONDS || 600);

export default {
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  files: ['test/faults/*.faults.ts'],
  concurrency: 1,
  // ava's timeout is for inactivity: the soak test is silent for its whole duration.
  timeout: `${Math.max(300, soakSeconds + 240)}s`,
};
