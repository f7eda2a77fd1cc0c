// Fail loudly on promise rejections nobody handled: they hide real bugs in async code.
process.on('unhandledRejection', (reason) => {
  throw reason;
});
