export * from './types';
export * from './fabricErrors';
export * from './fabricClient';
export * from './lakehouseLocation';
