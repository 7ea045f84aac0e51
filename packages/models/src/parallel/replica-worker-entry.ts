// Entry of data-parallel training's worker threads when it runs from the TypeScript sources
// (tests, dev); a bundle routes its worker threads to runReplicaWorker() itself.
import { runReplicaWorker } from './replica-worker';

runReplicaWorker();
