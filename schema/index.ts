export * from './types.ts';
export * from './enums.ts';
export * from './resources.ts';
export * from './tables.ts';
export * from './dictionaries.ts';
export * from './catalog.ts';
export * from './arrow.ts';
