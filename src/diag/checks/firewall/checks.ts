export { fwForwardPolicy } from './forward-policy.js';
export { fwRuleDrop } from './rule-drop.js';
export { fwChainsIntact } from './chains-intact.js';
export { fwBackend } from './backend.js';
export { acceptBridgeFix, bothFamilies } from './common.js';
