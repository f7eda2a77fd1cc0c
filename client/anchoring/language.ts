// A snippet's language from its file name, for highlighting (VS Code's language ids).
const BY_EXTENSION: Record<string, string> = {
  ts: 'typescript', tsx: 'typescriptreact', js: 'javascript', jsx: 'javascriptreact', mjs: 'javascript', cjs: 'javascript',
  py: 'python', rb: 'ruby', go: 'go', rs: 'rust', java: 'java', kt: 'kotlin', c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', hpp: 'cpp',
  cs: 'csharp', php: 'php', swift: 'swift', sh: 'shellscript', bash: 'shellscript', json: 'json', yml: 'yaml', yaml: 'yaml',
  md: 'markdown', html: 'html', css: 'css', scss: 'scss', sql: 'sql', toml: 'toml', xml: 'xml',
};

export function languageOf(path: string): string {
  const m = /\.([A-Za-z0-9]+)$/.exec(path);
  return (m && BY_EXTENSION[m[1].toLowerCase()]) || 'plaintext';
}
