// Entry of the benchmark's worker threads when it runs from the TypeScript sources (tests,
// `nx run models:bench`): runs the training job the parent passed in workerData.
import { runBenchWorker } from './models-bench';

runBenchWorker();
