declare const PARLEY_VERSION: string;
