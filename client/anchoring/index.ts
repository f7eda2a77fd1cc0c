export * from './diff';
export * from './reanchor';
export * from './similarity';
export * from './git';
export * from './language';
