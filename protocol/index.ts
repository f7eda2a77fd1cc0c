export * from './errors';
export * from './frame';
export * from './limits';
export * from './messages';
export * from './validate';
export * from './emoji';
export * from './mentions';
export * from './apply-change';
