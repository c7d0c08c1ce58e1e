import { Type, type Static } from '@sinclair/typebox';

/** What an agent tells the controller about its hardware in its hello. */
export const Nic = Type.Object(
  {
    name: Type.String(),
    mac: Type.Optional(Type.String()),
    driver: Type.Optional(Type.String()),
    pciAddress: Type.Optional(Type.String()),
    vendorId: Type.Optional(Type.String()),
    deviceId: Type.Optional(Type.String()),
    sriovTotalVfs: Type.Optional(Type.Integer({ minimum: 0 })),
    sriovNumVfs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type Nic = Static<typeof Nic>;

export const KernelCapabilities = Type.Object(
  {
    bond: Type.Boolean(),
    vlan: Type.Boolean(),
    dummy: Type.Boolean(),
    macvlan: Type.Boolean(),
    vxlan: Type.Boolean(),
    ovs: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type KernelCapabilities = Static<typeof KernelCapabilities>;

export const Facts = Type.Object(
  {
    nics: Type.Array(Nic),
    kernel: Type.Object(
      { release: Type.String(), capabilities: KernelCapabilities },
      { additionalProperties: false },
    ),
    hostname: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type Facts = Static<typeof Facts>;
