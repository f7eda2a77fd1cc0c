// Entry point of the chat webview (bundled as an IIFE into dist/webview/main.js).
import { App } from './app';

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
root.id = 'app';
new App(root);
