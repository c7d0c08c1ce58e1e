/** The demo's groups: odd hosts carry storage (OVS bond + VLAN), even hosts compute (bridge + MTU). */
export type Role = 'storage' | 'compute';
export const roleOf = (index: number): Role => (index % 2 === 1 ? 'storage' : 'compute');
export const demoHostName = (index: number) => `demo-h${index}`;
