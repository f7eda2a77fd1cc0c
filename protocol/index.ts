// Not validate.ts: its compiled schemas are the server's alone, and the extension and terminal
// client should not load the schema compiler at startup. Import it from './validate'.
export * from './errors';
export * from './frame';
export * from './limits';
export * from './messages';
export * from './emoji';
export * from './mentions';
export * from './apply-change';
export * from './git-remote';
export * from './code-anchor';
