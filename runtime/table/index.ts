// The table folder's public API.
export * from './table';
export * from './csv';
export * from './json';
export * from './arrow';
export * from './io';
export * from './summary';
export * from './page';
export * from './compare';
