/**
 * DeepFlow's observation point (tap_side) of a row: eBPF sees a call inside the process
 * (`c-p` client process, `s-p` server process); packet capture sees it on the wire (`c`, `s`).
 */
export type ObservationPoint = 'c' | 's' | 'c-p' | 's-p';

export function observationPoint(atClient: boolean, signalSource: 'eBPF' | 'Packet'): ObservationPoint {
  const side = atClient ? 'c' : 's';
  return signalSource === 'eBPF' ? `${side}-p` : side;
}
