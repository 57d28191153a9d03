import { runShard } from './run';

runShard(__filename);
