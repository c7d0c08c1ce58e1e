/** The programs of the packages' single executable, each stored in it as the asset `NAME.cjs`. */
export const programs = ['fleetnet', 'fleetnet-agent', 'fleetnet-controller', 'fleetnet-gen-auth'] as const;
