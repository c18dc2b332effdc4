/** Every protocol the agent parses, in detection order (most specific first). */
import type { L7Protocol } from './protocol.ts';
import { http1 } from './http1.ts';
import { redis } from './redis.ts';
import { dns } from './dns.ts';
import { http2 } from './http2.ts';
import { mysql } from './mysql.ts';
import { postgres } from './postgres.ts';
import { kafka } from './kafka.ts';
import { dubbo } from './dubbo.ts';

export const PROTOCOLS: readonly L7Protocol[] = [http2, http1, dubbo, mysql, postgres, redis, kafka, dns];
