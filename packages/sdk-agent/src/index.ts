export * from './executor';
export * from './executors';
export * from './runtime';
