/**
 * The chat webview with a long room: time from a history page arriving to its newest row on
 * screen, and the page's JS heap, for 10 000 messages against 50 in the same browser (ratio).
 * Usage: npm run bench -- bench/webview-render.ts [--json]
 */
import type { ChatMessage } from '../protocol/messages';
import { Messages } from '../webview/messages';
import { BOB, CAROL, T0, init, message } from '../test/webview/fixtures';
import { launchBrowser, openWebview, startServer, type FakeHost } from '../test/webview/harness';
import type { Browser } from 'playwright-core';

function history(n: number): ChatMessage[] {
  return Array.from({ length: n }, (_, i) => message('general', i + 1, i % 3 === 0 ? BOB : CAROL, `Message #${i + 1} ${'lorem ipsum '.repeat(1 + (i % 6))}`, T0 + i * 60_000));
}

async function measure(browser: Browser, server: Awaited<ReturnType<typeof startServer>>, n: number) {
  const host: FakeHost = await openWebview(browser, server);
  await host.post(init());
  const req = await host.waitFor('loadOlder');
  const reply = Messages.create({ room: 'general', messages: history(n), prepend: true, more: false, requestId: req.requestId as string });
  const paintMs = await host.page.evaluate(
    ([json, last]) =>
      new Promise<number>((resolve) => {
        const msg = JSON.parse(json as string);
        const t0 = performance.now();
        window.postMessage(msg, '*');
        const poll = (): void => {
          if (document.querySelector(`.row.msg[data-seq="${last}"]`)) requestAnimationFrame(() => resolve(performance.now() - t0));
          else requestAnimationFrame(poll);
        };
        poll();
      }),
    [JSON.stringify(reply), n] as const,
  );
  const cdp = await host.page.context().newCDPSession(host.page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  const elements = await host.page.evaluate(() => document.getElementsByTagName('*').length);
  await cdp.detach();
  return { messages: n, paintMs: Math.round(paintMs * 10) / 10, jsHeapUsedBytes: metric('JSHeapUsedSize'), domElements: elements };
}

async function main(): Promise<void> {
  const server = await startServer();
  const browser = await launchBrowser({ skip: () => { throw new Error('Chromium is not available'); } } as unknown as Mocha.Context);
  try {
    const small = await measure(browser, server, 50);
    const large = await measure(browser, server, 10_000);
    const result = {
      bench: 'webview-render',
      small,
      large,
      paintRatio: Math.round((large.paintMs / small.paintMs) * 100) / 100,
      heapRatio: Math.round((large.jsHeapUsedBytes / small.jsHeapUsedBytes) * 100) / 100,
    };
    console.log(process.argv.includes('--json') ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
