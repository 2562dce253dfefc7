// The demo between node processes (what `npm run demo` runs): the cast of node
// processes, the plan, the steps, the summary. It owns its chain, its processes and its
// data directories; it drives nodes only through their HTTP API and imports nothing of
// the node (client/src/node) but the types of what the API answers — a node is a
// process here, as for a user.
export { runNodeDemo, NODE_STEP_TITLES, type NodeDemoOutcome } from './run.js';
export { nodePlanFor, expectedNodeDeltas, type NodePlan } from './plan.js';
export { checkNodeSummary, renderNodeSummary, type NodeSummary, type NodePartyRow } from './summary.js';
export type { NodeStreamFigures } from './step-stream.js';
export type { DisputeFigures } from './step-dispute.js';
