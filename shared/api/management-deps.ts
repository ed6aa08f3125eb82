import type { Config } from '../config.js';

/** The settings every management handler reads: its keys, and the ARM defaults of the short routes. */
export type ManagementConfig = Pick<Config, 'managementKeys' | 'defaultSubscriptionId' | 'defaultResourceGroup'>;
