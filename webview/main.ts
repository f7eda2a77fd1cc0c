// Entry point of the chat webview (bundled as an IIFE into dist/webview/main.js).
import { App } from './app';
import { l10n } from './l10n';

l10n.load(document);

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
root.id = 'app';
new App(root);
