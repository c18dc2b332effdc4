/**
 * Enum tags: stored as small integers, shown by name. Values follow DeepFlow where it
 * defines them (l7_protocol numbers, signal_source), so DeepFlow users read the same codes.
 */
export interface EnumDef {
  name: string;
  /** Integer stored on rows → display name. */
  values: ReadonlyMap<number, string>;
}

function enumOf(name: string, entries: Array<[number, string]>): EnumDef {
  return { name, values: new Map(entries) };
}

export const ENUMS: Record<string, EnumDef> = {
  l7_protocol: enumOf('l7_protocol', [
    [0, 'Unknown'], [1, 'Other'], [20, 'HTTP'], [21, 'HTTP2'], [40, 'Dubbo'], [41, 'gRPC'],
    [60, 'MySQL'], [61, 'PostgreSQL'], [80, 'Redis'], [81, 'MongoDB'], [100, 'Kafka'],
    [101, 'MQTT'], [120, 'DNS'], [121, 'TLS'],
  ]),
  response_status: enumOf('response_status', [
    [0, 'ok'], [1, 'error'], [2, 'timeout'], [3, 'server_error'], [4, 'client_error'], [5, 'unknown'],
  ]),
  // DeepFlow's tap_side values: c client NIC, s server NIC, c-p client process (eBPF),
  // s-p server process, c-nd/s-nd node, local, rest, app (OTel).
  observation_point: enumOf('observation_point', [
    [0, 'rest'], [1, 'c'], [2, 's'], [3, 'c-p'], [4, 's-p'], [5, 'c-nd'], [6, 's-nd'],
    [7, 'local'], [8, 'app'], [9, 'c-app'], [10, 's-app'],
  ]),
  signal_source: enumOf('signal_source', [[0, 'Packet'], [3, 'eBPF'], [4, 'OTel']]),
  type: enumOf('type', [[0, 'request'], [1, 'response'], [2, 'session']]),
  protocol: enumOf('protocol', [[0, 'Unknown'], [1, 'ICMP'], [6, 'TCP'], [17, 'UDP']]),
  close_type: enumOf('close_type', [
    [0, 'unknown'], [1, 'tcp-fin'], [2, 'tcp-server-rst'], [3, 'timeout'], [4, 'forced-report'],
    [5, 'tcp-client-rst'], [6, 'server-half-close'], [7, 'client-half-close'], [8, 'syn-no-response'],
  ]),
};

/** Name → integer for one enum, built once per enum. */
const reverse = new Map<string, Map<string, number>>();
export function enumCode(enumName: string, label: string): number | undefined {
  let m = reverse.get(enumName);
  if (!m) {
    m = new Map();
    for (const [code, name] of ENUMS[enumName]!.values) {
      m.set(name, code);
      m.set(name.toLowerCase(), code);
    }
    reverse.set(enumName, m);
  }
  return m.get(label) ?? m.get(label.toLowerCase());
}

export function enumLabel(enumName: string, code: number): string {
  return ENUMS[enumName]?.values.get(code) ?? String(code);
}
