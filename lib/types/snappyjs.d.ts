declare module 'snappyjs' {
  /** Snappy block format (what Prometheus remote write uses), not the framed stream format. */
  export function uncompress<T extends ArrayBuffer | Uint8Array>(data: T, maxLength?: number): T;
  export function compress<T extends ArrayBuffer | Uint8Array>(data: T): T;
}
