// Imported and started through promises (not a static import, nor a top-level await,
// which browsers before Chrome 89 cannot read), so that glue that will not load or a
// module that will not compile here is told, not left as a blank page.
import('./tianye.js').then((app) => app.default({ module_or_path: './tianye_bg.wasm' }).then(() => {
  app.start();
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('./sw.js').catch((e) => console.warn('service worker:', e));
  }
})).catch(tianyeCannotStart);
